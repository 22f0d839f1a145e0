"""The review's actions outside the diagram: open a review, check materials, and who may see what."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from ...calendar import end_of_working_days, local_zone
from ...core.errors import Conflict, InvalidInput, NotFound
from ...engine.runtime import WorkflowEngine
from ...evidence.operations import link_to_instance
from ...extensions import db
from ...forms import FieldError
from ...models import ApplicationCycle, Evidence, EvidenceLink, Organisation, OrgKind, User, utcnow
from ...roles import Role
from ...titles import call_title
from ...workflow.operations import start_instance
from .models import ReviewCandidate, ReviewCandidateStatus, ReviewEvent, ReviewRound, ReviewStatus
from .pools import empty_pool_message, pool_for

PROCESS_ID = "county_review"
SUPPLEMENT_PROCESS_ID = "review_supplement"
# The office role of each level of organisation, and the level of title it reviews.
OFFICE_ROLE = {OrgKind.county: Role.county_office, OrgKind.city: Role.city_office, OrgKind.province: Role.province_office}
OPEN = tuple(s for s in ReviewStatus if s not in (ReviewStatus.done, ReviewStatus.cancelled))
MATERIALS_OPEN = (ReviewCandidateStatus.pending, ReviewCandidateStatus.supplemented)


# -- who sees what ---------------------------------------------------------------------------------

def office_orgs(user: User) -> list[Organisation]:
    """Organisations where the user is the office that runs reviews."""
    return [org for role, org in user.role_scopes() if OFFICE_ROLE.get(org.kind) is role]


def office_of(user: User, org_id: int) -> Organisation:
    """The office's organisation if the user runs reviews there (else 404)."""
    org = next((org for org in office_orgs(user) if org.id == org_id), None)
    if org is None:
        raise NotFound(_("No such page."))
    return org


def runs_review(user: User, review: ReviewRound) -> bool:
    """The office of the review's organisation, or its leading group."""
    return any(org.id == review.office_id and (OFFICE_ROLE.get(org.kind) is role or role is Role.county_leader)
               for role, org in user.role_scopes())


def is_office_of(user: User, review: ReviewRound) -> bool:
    """The user is the office of the review's own organisation (not only its leading group)."""
    return any(org.id == review.office_id for org in office_orgs(user))


def managed_review(user: User, review_id: int) -> ReviewRound:
    """A review the user runs or approves; anyone else gets 404 (no hint that it exists)."""
    review = db.session.get(ReviewRound, review_id)
    if review is None or not runs_review(user, review):
        raise NotFound(_("No such review."))
    return review


def in_area(user: User, review: ReviewRound) -> bool:
    """Everyone whose school or role lies within the review's area (the notice is public to them)."""
    path = review.office.path
    if user.profile is not None and user.profile.school.path.startswith(path):
        return True
    return any(org.path.startswith(path) or path.startswith(org.path) for _role, org in user.role_scopes())


def published_review(user: User, review_id: int) -> ReviewRound:
    """A review whose notice or result the user may read: people of its area, once published."""
    review = db.session.get(ReviewRound, review_id)
    if review is None or review.notice_start_dt is None or not in_area(user, review):
        raise NotFound(_("No such review."))
    return review


def calls_of(office: Organisation) -> list[ApplicationCycle]:
    """The office's calls at its own level, newest first."""
    return list(db.session.scalars(
        select(ApplicationCycle).where(ApplicationCycle.county_id == office.id, ApplicationCycle.level == office.kind.value)
        .order_by(ApplicationCycle.year.desc(), ApplicationCycle.category)
    ))


def reviews_of(office: Organisation) -> dict[int, ReviewRound]:
    """The latest review per call of the office (cycle id → review)."""
    rows = db.session.scalars(select(ReviewRound).filter_by(office_id=office.id).order_by(ReviewRound.id)).all()
    return {row.cycle_id: row for row in rows if row.status is not ReviewStatus.cancelled}


# -- opening ---------------------------------------------------------------------------------------

def area_headcount(office: Organisation) -> int:
    """Teachers of every school within the office's area."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(Organisation.teacher_headcount), 0))
        .where(Organisation.kind == OrgKind.school, Organisation.path.startswith(office.path, autoescape=True))
    ))


def parse_places(office: Organisation, mode: str, value: str) -> tuple[str, float, int]:
    """The places of a review: a share of the area's headcount (0–1) or a whole number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if mode == "ratio" and 0 < number <= 1:
        return mode, number, max(1, int(area_headcount(office) * number + 0.5))
    if mode == "absolute" and number == int(number) and 1 <= number <= 10000:
        return mode, number, int(number)
    raise InvalidInput(_("Enter the places as a share above 0 and at most 1 (e.g. 0.1) or a whole number from 1 to 10000."),
                       [FieldError(path=("places_value",), label=_("Places"),
                                   message=_("Enter a share above 0 and at most 1, or a whole number from 1 to 10000."))])


def open_review(engine: WorkflowEngine, user: User, office: Organisation, cycle_id: int, mode: str, value: str) -> ReviewRound:
    """Open the review of a call: its pool enters the materials check; the office gets the task."""
    cycle = next((c for c in calls_of(office) if c.id == cycle_id), None)
    if cycle is None:
        raise NotFound(_("No such call for applications."))
    if cycle.id in reviews_of(office):
        raise Conflict(_("This call's review is already open."))
    places_mode, places_value, places = parse_places(office, mode, value)
    pool = pool_for(cycle, office)
    if not pool:
        raise Conflict(empty_pool_message(cycle))
    review = ReviewRound(office_id=office.id, cycle_id=cycle.id, level=cycle.level, category=cycle.category,
                         places_mode=places_mode, places_value=places_value, places=places, opened_by_id=user.id)
    db.session.add(review)
    db.session.flush()
    # The pool enters in one INSERT (executemany), whatever its size.
    db.session.execute(insert(ReviewCandidate), [
        {"review_id": review.id, "cycle_id": cycle.id, "office_id": office.id, "level": cycle.level,
         "category": cycle.category, "source": entry.source, "source_id": entry.source_id,
         "application_id": entry.application_id, "teacher_id": entry.teacher_id, "school_id": entry.school_id,
         "subject": entry.subject, "claims_fast_track": entry.claims_fast_track,
         "status": ReviewCandidateStatus.pending, "fast_track": False}
        for entry in pool
    ])
    instance = start_instance(
        engine, PROCESS_ID, org=office, actor=user,
        title=f"{office.name} · {call_title(cycle, english=False)} · 差额评审",
        title_en=f"{office.name} · {call_title(cycle, english=True)} · competitive review",
        data={"review_id": review.id, "level": cycle.level, "category": cycle.category, "margin_accepted": False,
              "office_name": office.name, "title_label": call_title(cycle, english=False),
              "title_label_en": call_title(cycle, english=True)},
    )
    review.instance_id = instance.id
    # The office, research staff and experts read the candidates' evidence through the review.
    link_to_instance(instance, pool_evidence_digests(review))
    db.session.flush()
    return review


def pool_evidence_digests(review: ReviewRound) -> set[str]:
    """Digests of the files the review's candidates' applications cite (one query)."""
    from ..self_application.models import Application

    return set(db.session.scalars(
        select(Evidence.digest).distinct()
        .join(EvidenceLink, EvidenceLink.evidence_id == Evidence.id)
        .join(Application, Application.instance_id == EvidenceLink.instance_id)
        .join(ReviewCandidate, ReviewCandidate.application_id == Application.id)
        .where(ReviewCandidate.review_id == review.id)
    ))


# -- materials check -------------------------------------------------------------------------------

def record(review: ReviewRound, actor: User | None, kind: str, candidate: ReviewCandidate | None = None,
           comment: str | None = None) -> None:
    """Add a decision to the review's own paper trail (`ReviewEvent`; `kind`: a key of labels.EVENTS)."""
    db.session.add(ReviewEvent(review_id=review.id, actor_id=actor.id if actor else None, kind=kind,
                               candidate_id=candidate.id if candidate is not None else None, comment=comment))


def supplement_deadline(value: str) -> datetime:
    """Midnight closing the given local date, which must be after today and within 60 days."""
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        raise _materials_error("due", _("Enter the due date as a date (YYYY-MM-DD).")) from None
    today = utcnow().astimezone(local_zone()).date()
    if not today < day <= today + timedelta(days=60):
        raise _materials_error("due", _("The due date must be after today and within 60 days."))
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=local_zone())


def default_supplement_due(working_days: int) -> str:
    """The date `working_days` working days from now, offered on the form."""
    return end_of_working_days(utcnow(), working_days).astimezone(local_zone()).date().isoformat()


def _materials_error(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError(path=(field,), label="", message=message)])


def decide_materials(engine: WorkflowEngine, user: User, candidate_id: int, decision: str, note: str,
                     due: str, fast_track: bool) -> ReviewCandidate:
    """The office accepts, returns (the school supplements by `due`) or rejects one candidate."""
    candidate = db.session.get(ReviewCandidate, candidate_id)
    if candidate is None or not runs_review(user, candidate.review) or not office_orgs(user):
        raise NotFound(_("No such candidate."))
    review = candidate.review
    if review.status is not ReviewStatus.materials:
        raise Conflict(_("The materials check of this review is finished."))
    if candidate.status not in MATERIALS_OPEN:
        raise Conflict(_("This candidate's materials have already been decided."))
    note = (note or "").strip()
    if decision == "accept":
        candidate.status = ReviewCandidateStatus.accepted
        candidate.fast_track = bool(fast_track and candidate.claims_fast_track)
        candidate.materials_note = note or None
        record(review, user, "fast_track" if candidate.fast_track else "accepted", candidate, note or None)
    elif decision in ("return", "reject"):
        if not 5 <= len(note) <= 1000:
            raise _materials_error("note", _("Write the reason (5 to 1000 characters)."))
        candidate.materials_note = note
        if decision == "reject":
            candidate.status = ReviewCandidateStatus.rejected
            record(review, user, "rejected", candidate, note)
        else:
            deadline = supplement_deadline(due)
            candidate.status = ReviewCandidateStatus.returned
            candidate.supplement_due_dt = deadline
            _start_supplement(engine, user, candidate, note, deadline)
            record(review, user, "returned", candidate, note)
    else:
        raise _materials_error("decision", _("Choose accept, return or reject."))
    db.session.flush()
    return candidate


def _start_supplement(engine: WorkflowEngine, user: User, candidate: ReviewCandidate, request: str,
                      deadline: datetime) -> None:
    """The school administrator gets a step to supplement the material by the due date."""
    review = candidate.review
    start_instance(
        engine, SUPPLEMENT_PROCESS_ID, org=candidate.school, actor=user, subject=None,
        title=f"{candidate.teacher.display_name} · 补充评审材料",
        data={"candidate_id": candidate.id, "review_instance_id": review.instance_id, "request": request,
              "supplement_due": deadline.isoformat(), "candidate_name": candidate.teacher.display_name,
              "office_name": review.office.name, "title_label": call_title(review.cycle, english=False),
              "title_label_en": call_title(review.cycle, english=True)},
    )


def materials_finished(review: ReviewRound) -> None:
    """Refuse to finish the check while a candidate is undecided or waiting for material (one count)."""
    waiting = db.session.scalar(select(func.count(ReviewCandidate.id)).where(
        ReviewCandidate.review_id == review.id,
        ReviewCandidate.status.in_((*MATERIALS_OPEN, ReviewCandidateStatus.returned))))
    if waiting:
        raise Conflict(_("%(count)d candidate(s) are not decided yet or still wait for material; decide them first.",
                         count=waiting))


# -- the teacher's side ----------------------------------------------------------------------------

# Before the ranking a withdrawal only takes the candidate out; after it the list would change.
WITHDRAWABLE = (ReviewStatus.materials, ReviewStatus.opinions, ReviewStatus.assigning, ReviewStatus.scoring)


def withdraw(user: User, candidate_id: int) -> ReviewCandidate:
    """A teacher leaves the review before the ranking; their scores, if any, no longer count."""
    from ..self_application.models import ApplicationStatus

    candidate = db.session.get(ReviewCandidate, candidate_id)
    if candidate is None or candidate.teacher_id != user.id:
        raise NotFound(_("No such candidate."))
    if candidate.review.status not in WITHDRAWABLE:
        raise Conflict(_("The review has been ranked; to withdraw now, write to the county office."))
    if candidate.status in (ReviewCandidateStatus.withdrawn, ReviewCandidateStatus.rejected):
        raise Conflict(_("You are no longer a candidate in this review."))
    candidate.status = ReviewCandidateStatus.withdrawn
    if candidate.application is not None:
        candidate.application.status = ApplicationStatus.withdrawn
        candidate.application.decided_dt = utcnow()
    record(candidate.review, user, "withdrawn", candidate)
    db.session.flush()
    return candidate
