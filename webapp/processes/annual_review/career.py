"""One teacher's career record: applications and their outcomes, titles with their history, annual
reviews, transfers and rotations, as one timeline (newest first) and as sections.

Visible to the teacher and to overseers of the teacher's organisation only (the out-of-scope
answer otherwise). Votes appear as the outcome the teacher's stage says, never as ballots.
Training results come from finished cohorts (`training.results.results_of`); certificate numbers link
to their public verification page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ...core.errors import NotFound
from ...extensions import db
from ...i18n import is_english
from ...models import Organisation, TeacherProfile, TitleHolding, User
from ...titles import title_event_label, title_label, title_status_label
from ...workflow.permissions import oversees
from .. import teacher_stages
from .labels import APPEAL_OUTCOMES, OUTCOMES, REVIEW_STATUS
from .models import AnnualReview
from .schoolyear import SchoolYear


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    on: date
    kind: str       # application, title, review, training, transfer, rotation
    text: str
    link: str | None = None


def visible_teacher(viewer: User, teacher_id: int) -> User:
    """The teacher whose record the viewer may read: themselves, or one in an organisation they oversee."""
    teacher = db.session.get(User, teacher_id)
    if teacher is None:
        raise NotFound(_("No such page."))
    if teacher.id == viewer.id:
        return teacher
    school_id = db.session.scalar(select(TeacherProfile.school_id).where(TeacherProfile.user_id == teacher.id))
    school = db.session.get(Organisation, school_id) if school_id else None
    if school is None or not oversees(viewer, school.path):
        raise NotFound(_("No such page."))
    return teacher


def _day(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def career(teacher: User, viewer: User) -> dict:
    """Every section of the record, and the timeline."""
    from ..rotation_plan.labels import form_label
    from ..rotation_plan.models import Rotation
    from ..self_application.labels import application_status
    from ..self_application.models import Application
    from ..training.labels import TRAINEE_STATUS
    from ..training.results import results_of

    entries: list[Entry] = []
    stages = teacher_stages(current_app, teacher)
    applications = db.session.scalars(select(Application).where(Application.teacher_id == teacher.id)
                                      .order_by(Application.id)).all()
    app_rows = []
    for application in applications:
        stage = stages.get(application.id)
        outcome = stage.label if stage else application_status(application.status.value)
        label = title_label(application.level, application.category, application.cycle.year if application.cycle else None)
        app_rows.append((application, label, outcome))
        link = url_for("workflow.instance", instance_id=application.instance_id) if application.instance_id else None
        entries.append(Entry(_day(application.submitted_dt or application.created_dt), "application",
                             _("Application for %(title)s: %(outcome)s", title=label, outcome=outcome), link))
    titles = db.session.scalars(select(TitleHolding).where(TitleHolding.user_id == teacher.id)
                                .order_by(TitleHolding.id)).all()
    moved_to = {event.details.get("to_org_id") for title in titles for event in title.events
                if event.kind == "transferred" and event.details}
    schools = {org.id: org.name for org in db.session.scalars(
        select(Organisation).where(Organisation.id.in_(moved_to)))} if moved_to else {}
    title_rows = []
    for title in titles:
        events = list(title.events)
        title_rows.append((title, events))
        label = title_label(title.level, title.category)
        for event in events:
            text = _("%(title)s: %(event)s", title=label, event=title_event_label(event.kind))
            if event.kind == "transferred" and event.details:
                text = _("%(title)s: moved to %(school)s%(allowance)s", title=label,
                         school=schools.get(event.details.get("to_org_id"), "—"),
                         allowance=_(" (allowance stops)") if event.details.get("personnel_change") else "")
            elif event.reason:
                text = f"{text} — {event.reason}"
            entries.append(Entry(event.on_date, "transfer" if event.kind == "transferred" else "title", text))
    reviews = db.session.scalars(select(AnnualReview).where(AnnualReview.user_id == teacher.id)
                                 .order_by(AnnualReview.school_year)).all()
    for review in reviews:
        text = _("Annual review %(year)s: %(status)s", year=SchoolYear(review.school_year).label(is_english()),
                 status=str(REVIEW_STATUS[review.status.value]))
        if review.appeal_outcome:
            text = f"{text} · {APPEAL_OUTCOMES[review.appeal_outcome]}"
        link = url_for("workflow.instance", instance_id=review.instance_id) if review.instance_id else None
        entries.append(Entry(review.effective_on or _day(review.created_dt), "review", text, link))
    training = results_of(teacher.id)
    training_rows = []
    for trainee in training:
        cohort = trainee.cohort
        label = title_label(cohort.level, cohort.category)
        status = str(TRAINEE_STATUS[trainee.status.value])
        training_rows.append((trainee, label, status))
        text = _("Training for %(title)s: %(status)s", title=label, status=status)
        if trainee.weighted_total is not None:
            text = f"{text} ({trainee.weighted_total:g})"
        if trainee.status_reason:
            text = f"{text} — {trainee.status_reason}"
        entries.append(Entry(cohort.practice_until or trainee.joined_on, "training", text))
    rotations = db.session.scalars(select(Rotation).where(Rotation.user_id == teacher.id)
                                   .order_by(Rotation.start_date)).all()
    for rotation in rotations:
        entries.append(Entry(rotation.start_date, "rotation", _(
            "Rotation (%(form)s): %(from)s → %(to)s, %(start)s to %(end)s", form=form_label(rotation.form),
            **{"from": rotation.sending_school.name, "to": rotation.receiving_school.name if rotation.receiving_school else "—",
               "start": rotation.start_date.isoformat(), "end": rotation.end_date.isoformat()})))
    entries.sort(key=lambda entry: entry.on or date.min, reverse=True)
    return {"teacher": teacher, "entries": entries, "applications": app_rows, "titles": title_rows,
            "reviews": reviews, "rotations": rotations, "training": training_rows, "outcome": lambda v: str(OUTCOMES.get(v, v) if v else ""),
            "title_status": title_status_label, "title_event": title_event_label}
