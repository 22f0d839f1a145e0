"""Handlers for the self-application process (workflows/self_application.bpmn)."""
from __future__ import annotations

from sqlalchemy import and_, exists, func, select

from webapp.extensions import db
from webapp.models import AnnualAssessment, ApplicationCycle, TeacherProfile, TitleHolding, utcnow
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
    """Facts about the applicant for the eligibility decision table.

    The profile, the cycle's deadline, the excellent assessments and the title already held come
    in one column query (was four, plus the teacher's row when not the acting user).
    """
    application = _application(application_id)
    deadline = select(ApplicationCycle.deadline_dt).where(ApplicationCycle.id == application.cycle_id).scalar_subquery()
    holds_same = exists().where(
        TitleHolding.user_id == application.teacher_id, TitleHolding.level == application.level,
        TitleHolding.category == application.category, TitleHolding.active.is_(True))
    profile = db.session.execute(
        select(TeacherProfile, deadline.label("deadline_dt"), holds_same.label("holds_same"))
        .where(TeacherProfile.user_id == application.teacher_id)
    ).one()
    on = profile.deadline_dt.date()
    excellent = db.session.scalar(
        select(func.count()).select_from(AnnualAssessment).where(
            AnnualAssessment.profile_id == profile.TeacherProfile.id, AnnualAssessment.rating == "excellent",
            AnnualAssessment.year >= on.year - 5, AnnualAssessment.year < on.year))
    holds_same, profile = bool(profile.holds_same), profile.TeacherProfile
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
