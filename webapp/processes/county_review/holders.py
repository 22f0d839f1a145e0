"""What the office, research staff and experts read about a candidate who entered from the title register.

A candidate of a city or province review has no application: instead of a declaration they are
shown the title that put them in the pool (with its certificate, validity and history) and the
holder's profile facts, as the same label/value entries a declaration gives.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db
from ...models import TeacherProfile, TitleHolding, User
from ...titles import (
    education_label, professional_title_label, rating_label, title_event_label, title_label, title_status_label,
)
from ...workflow.display import Entry


def _years(since: date, on: date) -> int:
    return on.year - since.year - ((on.month, on.day) < (since.month, since.day))


def title_entries_of(candidates) -> dict[int, list[Entry]]:
    """candidate id → the title held and the holder's profile, for every candidate whose `source` is
    "title" (who entered from the register), in four
    queries whatever their number (titles with holder and profile, events, assessments)."""
    wanted = {c.source_id: c.id for c in candidates if c.source == "title"}
    if not wanted:
        return {}
    titles = db.session.scalars(
        select(TitleHolding).where(TitleHolding.id.in_(sorted(wanted)))
        .options(selectinload(TitleHolding.events),
                 joinedload(TitleHolding.holder).joinedload(User.profile).selectinload(TeacherProfile.assessments))
    ).unique().all()
    return {wanted[title.id]: _entries(title) for title in titles}


def _entries(title: TitleHolding) -> list[Entry]:
    """The title's label/value entries, then the holder's profile facts."""
    today = date.today()
    entries = [
        Entry(label=_("Title held"), text=title_label(title.level, title.category)),
        Entry(label=_("Certificate number"), text=title.certificate_no or "—"),
        Entry(label=_("Validity"), text=f"{title.valid_from.isoformat()} – {title.valid_until.isoformat()}"),
        Entry(label=_("Status"), text=title_status_label(title.status)),
    ]
    if title.events:
        entries.append(Entry(label=_("History of the title"), text="; ".join(
            f"{event.on_date.isoformat()} {title_event_label(event.kind)}" for event in title.events)))
    profile = title.holder.profile
    if profile is not None:
        entries += [
            Entry(label=_("Professional title"), text=professional_title_label(profile.professional_title)),
            Entry(label=_("Education"), text=education_label(profile.education)),
            Entry(label=_("Years of teaching"), text=str(_years(profile.teaching_start_date, today))),
            Entry(label=_("Age"), text=str(_years(profile.birth_date, today))),
            Entry(label=_("Open classes or lectures, past 5 years"), text=str(profile.open_classes_5y)),
            Entry(label=_("Awarded papers, past 5 years"), text=str(profile.papers_awarded_5y)),
            Entry(label=_("Research projects, past 5 years"), text=str(profile.research_projects_5y)),
        ]
        if profile.assessments:
            entries.append(Entry(label=_("Annual assessments"), text="; ".join(
                f"{a.year} {rating_label(a.rating)}" for a in profile.assessments)))
    return entries
