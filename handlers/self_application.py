"""Handlers for the self-application process (workflows/self_application.bpmn)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, extract, func, select, update

from webapp.extensions import db
from webapp.models import AnnualAssessment, ApplicationCycle, TeacherProfile, TitleHolding, utcnow
from webapp import register
from webapp.processes.annual_review import term
from webapp.processes.annual_review.notices import tell
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
    application, profile, deadline_dt, excellent, holds_same = row
    on = deadline_dt.date()
    holds_same = bool(holds_same)
    # A renewal (续期申请): the rule also reads whether every annual review of the term passed.
    renewal = application.renewal_of_id is not None
    renewal_check = ""
    if renewal:
        title = db.session.get(TitleHolding, application.renewal_of_id)
        renewal_check = term.renewal_check(title) if title is not None else term.RENEWAL_NOT_ACTIVE
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
        "renewal": renewal,
        "renewal_check": renewal_check,
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


@handler("renew_title", "The county office approved a renewal (续期申请): the title is renewed for a new term "
         "through the register when every annual review of the term still passed, else refused with the rule; "
         "the teacher is told either way.")
def renew_title(application_id, decision: str = "approve", comment: str | None = None) -> str:
    """Renew the application's title (`webapp.register.renew`); returns the application's new status.

    The rule is checked again here: a review may have failed between the eligibility check and the
    county's approval. A refusal names the rule, in both languages (the teacher reads their own).
    """
    from webapp.processes.annual_review import pages  # its clock (tests move it) and term length

    application = _application(application_id)
    title = db.session.get(TitleHolding, application.renewal_of_id) if application.renewal_of_id else None
    if title is None:
        raise LookupError(f"application {application_id} renews no title")
    application.decided_dt = utcnow()
    key = f"title:{title.id}:renewal:{application.id}"
    if decision == "refuse":
        application.status = ApplicationStatus.refused
        reason = str(comment or "")[:1000]
        tell([application.teacher_id], title, key,
             lambda: _("The county office refused your renewal: %(reason)s", reason=reason),
             instance_id=application.instance_id)
        return application.status.value
    if decision != "approve":
        raise ValueError(f"renewal decision {decision!r}")
    if term.renewal_check(title):
        application.status = ApplicationStatus.refused
        tell([application.teacher_id], title, key,
             lambda: _("Your renewal was refused: %(reason)s", reason=term.renewal_refusal(title)),
             instance_id=application.instance_id)
        return application.status.value
    register.renew(title, pages.today(), pages.RENEWAL_TERM_YEARS, instance_id=application.instance_id)
    application.status = ApplicationStatus.renewed
    tell([application.teacher_id], title, key,
         lambda: _("Your title is renewed until %(day)s.", day=title.valid_until.isoformat()),
         instance_id=application.instance_id)
    return application.status.value
