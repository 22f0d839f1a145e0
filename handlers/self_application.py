"""Handlers for the self-application process (workflows/self_application.bpmn)."""
from __future__ import annotations

from sqlalchemy import exists, extract, func, select, update

from webapp.extensions import db
from webapp.models import AnnualAssessment, ApplicationCycle, TeacherProfile, TitleHolding, utcnow
from webapp.processes.self_application.events import KINDS, application_event
from webapp.processes.self_application.facts import full_years
from webapp.processes.self_application.models import Application, ApplicationStatus

from . import handler

TITLE_RANK = {"none": 0, "junior": 1, "intermediate": 2, "senior": 3, "full_senior": 4}
EDUCATION_RANK = {"secondary": 0, "associate": 1, "bachelor": 2, "master": 3, "doctor": 4}


_full_years = full_years  # the school vote's tie-break reads the same facts


def _application(application_id) -> Application:
    """The application row the process is about."""
    application = db.session.get(Application, int(application_id))
    if application is None:
        raise LookupError(f"application {application_id} does not exist")
    return application


@handler(
    "applicant_facts",
    "The applicant's facts that eligibility rules read (age, years of teaching, ranks, counts), "
    "as on the cycle's deadline.",
)
def applicant_facts(application_id) -> dict:
    """Facts about the applicant for the eligibility decision table.

    The application, the profile, the cycle's deadline, the count of excellent assessments and
    whether the title is already held come in one query (were five, plus the teacher's row when
    not the acting user). The application stays loaded for the status the next task sets.
    """
    deadline = ApplicationCycle.deadline_dt
    if db.engine.dialect.name == "postgresql":  # the UTC year, as `deadline_dt.date()` gives it
        deadline = func.timezone("UTC", deadline)
    deadline_year = extract("year", deadline)
    excellent = select(func.count()).select_from(AnnualAssessment).where(
        AnnualAssessment.profile_id == TeacherProfile.id, AnnualAssessment.rating == "excellent",
        AnnualAssessment.year >= deadline_year - 5, AnnualAssessment.year < deadline_year,
    ).scalar_subquery()
    holds_same = exists().where(
        TitleHolding.user_id == Application.teacher_id, TitleHolding.level == Application.level,
        TitleHolding.category == Application.category, TitleHolding.active.is_(True))
    row = db.session.execute(
        select(Application, TeacherProfile, ApplicationCycle.deadline_dt, excellent, holds_same)
        .join(TeacherProfile, TeacherProfile.user_id == Application.teacher_id)
        .join(ApplicationCycle, ApplicationCycle.id == Application.cycle_id)
        .where(Application.id == int(application_id))
    ).one_or_none()
    if row is None:
        raise LookupError(f"application {application_id} does not exist")
    _application_row, profile, deadline_dt, excellent, holds_same = row
    on = deadline_dt.date()
    holds_same = bool(holds_same)
    return {
        "age": _full_years(profile.birth_date, on),
        "years_teaching": _full_years(profile.teaching_start_date, on),
        "title_rank": TITLE_RANK.get(profile.professional_title, 0),
        "education_rank": EDUCATION_RANK.get(profile.education, 0),
        "excellent_5y": excellent,
        "open_classes_5y": profile.open_classes_5y,
        "papers_awarded_5y": profile.papers_awarded_5y,
        "projects_5y": profile.research_projects_5y,
        "has_qualification": profile.has_teacher_qualification,
        "has_it_certificate": profile.has_it_certificate,
        "holds_same_title": holds_same,
    }


@handler("set_application_status", "Record where the application stands (submitted, returned, accepted, …); "
         "a return (with its comment) or a refusal (with its reasons) is told to the teacher.")
def set_application_status(application_id, status: str, subject: str | None = None, comment: str | None = None,
                           reasons: list | None = None) -> str:
    """Update the application row; returns the new status.

    A status nobody is told about is one UPDATE, without reading the row first (unless this
    step's facts already loaded it).
    """
    new_status = ApplicationStatus(status)
    if new_status not in KINDS and db.session.identity_map.get(
            db.session.identity_key(Application, int(application_id))) is None:
        now = utcnow()
        values = {"status": new_status}
        if subject:
            values["subject"] = str(subject)[:64]
        if new_status is ApplicationStatus.submitted:
            values["submitted_dt"] = func.coalesce(Application.submitted_dt, now)
        if new_status in (ApplicationStatus.accepted, ApplicationStatus.expired):
            values["decided_dt"] = now
        changed = db.session.execute(
            update(Application).where(Application.id == int(application_id)).values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            raise LookupError(f"application {application_id} does not exist")
        return new_status.value
    application = _application(application_id)
    application.status = new_status
    if subject:
        application.subject = str(subject)[:64]
    now = utcnow()
    if new_status is ApplicationStatus.submitted and application.submitted_dt is None:
        application.submitted_dt = now
    if new_status in (ApplicationStatus.accepted, ApplicationStatus.expired):
        application.decided_dt = now
    application_event(application, new_status, comment=comment, reasons=reasons)
    return new_status.value
