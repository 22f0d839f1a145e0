"""What the office, research staff and experts read about a candidate who entered from the title register.

A candidate of a city or province review has no application: instead of a declaration they are
shown the title that put them in the pool (with its certificate, validity and history) and the
holder's profile facts, as the same label/value entries a declaration gives.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from ...extensions import db
from ...models import TitleHolding
from ...titles import (
    education_label, professional_title_label, rating_label, title_event_label, title_label, title_status_label,
)
from ...workflow.display import Entry


def _years(since: date, on: date) -> int:
    return on.year - since.year - ((on.month, on.day) < (since.month, since.day))


def title_entries(candidate) -> list[Entry]:
    """The title held and the holder's profile, for a candidate whose `source` is "title"."""
    title = db.session.get(TitleHolding, candidate.source_id) if candidate.source == "title" else None
    if title is None:
        return []
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
