"""Handlers for the self-application process (workflows/self_application.bpmn)."""
from __future__ import annotations

from webapp.extensions import db
from webapp.models import TitleHolding, utcnow
from webapp.processes.self_application.events import application_event
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
    """Facts about the applicant for the eligibility decision table."""
    application = _application(application_id)
    profile = application.teacher.profile
    on = application.cycle.deadline_dt.date()
    recent_years = range(on.year - 5, on.year)
    excellent = sum(1 for a in profile.assessments if a.year in recent_years and a.rating == "excellent")
    holds_same = db.session.query(TitleHolding.id).filter_by(
        user_id=application.teacher_id, level=application.level, category=application.category, active=True
    ).first() is not None
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
    """Update the application row; returns the new status."""
    application = _application(application_id)
    new_status = ApplicationStatus(status)
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
