"""Objections to a review's public notice (county level and above), through the one objection process.

Anyone of the review's area may object to a formal candidate while the notice runs; the
objection is a confidential instance of `workflows/objection.bpmn` investigated by the office
(`investigator = "office"`). Upheld: the candidate is removed and the first of the reserve list
moves up, and the change is shown on the notice; dismissed: the objector reads the reply. The
result is final only when the notice is over and every objection is answered (`open_objections`).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...core.errors import Conflict, NotFound
from ...engine.runtime import WorkflowEngine
from ...extensions import db
from ...models import NotificationKind, User, utcnow
from ...notifications.events import app_path, notify_event
from ...titles import call_title
from ..objection.models import Objection, ObjectionStatus
from ..objection.operations import start_objection
from .models import ReviewCandidate, ReviewCandidateStatus, ReviewEvent, ReviewRound, ReviewStatus
from .operations import in_area, record

Status = ReviewCandidateStatus
# What the notice shows of the changes objections made (never who objected).
NOTICE_CHANGES = ("objection_upheld", "moved_up")


def notice_open(review: ReviewRound) -> bool:
    """The notice runs: published, not over."""
    return (review.status is ReviewStatus.notice and review.notice_end_dt is not None
            and utcnow() < review.notice_end_dt)


def close_notice(review: ReviewRound) -> None:
    """The notice timer fired: no more objections, whatever the clock says (e.g. after a fast-forward)."""
    now = utcnow()
    review.notice_end_dt = min(review.notice_end_dt or now, now)


def objection_options(review: ReviewRound) -> list[dict]:
    """The formal candidates on the notice, as choices of the objection form."""
    return [{"value": str(c.id), "title": f"{c.teacher.display_name}（{c.school.name}）",
             "title_en": f"{c.teacher.display_name} ({c.school.name})"} for c in review.with_status(Status.formal)]


def file_objection(engine: WorkflowEngine, user: User, review: ReviewRound, candidate_id: int, reason: str,
                   evidence: set[str]) -> Objection:
    """Record an objection and hand it to the office as a confidential step."""
    if not in_area(user, review):
        raise NotFound(_("No such review."))
    if not notice_open(review):
        raise Conflict(_("The public notice period has ended; objections are no longer accepted."))
    candidate = next((c for c in review.with_status(Status.formal) if c.id == candidate_id), None)
    if candidate is None:
        raise Conflict(_("This candidate is not on the notice."))
    objection = Objection(review_candidate_id=candidate.id, objector_id=user.id, reason=reason)
    start_objection(engine, user, objection, review.office, candidate.teacher.display_name, review.cycle,
                    evidence, investigator="office", data={"review_id": review.id, "office_name": review.office.name})
    return objection


def my_objections(user: User, review: ReviewRound) -> list[Objection]:
    """The user's own objections to the review's notice, with the replies."""
    return list(db.session.scalars(
        select(Objection).join(ReviewCandidate, ReviewCandidate.id == Objection.review_candidate_id)
        .where(ReviewCandidate.review_id == review.id, Objection.objector_id == user.id).order_by(Objection.id)
    ))


def open_objections(review: ReviewRound) -> int:
    """Objections to the review's notice still under investigation."""
    return int(db.session.scalar(
        select(func.count(Objection.id)).join(ReviewCandidate, ReviewCandidate.id == Objection.review_candidate_id)
        .where(ReviewCandidate.review_id == review.id, Objection.status == ObjectionStatus.open)
    ))


def notice_changes(review: ReviewRound) -> list[ReviewEvent]:
    """Removals and move-ups on the notice, in order (published with the list)."""
    return list(db.session.scalars(
        select(ReviewEvent).where(ReviewEvent.review_id == review.id, ReviewEvent.kind.in_(NOTICE_CHANGES))
        .order_by(ReviewEvent.id)
    ))


def resolve(objection: Objection) -> None:
    """Apply the office's finding (called by the objection's handler once status and reply are set)."""
    candidate = objection.review_candidate
    review = candidate.review
    if objection.status is ObjectionStatus.upheld and candidate.status is Status.formal:
        promoted = remove_and_move_up(review, candidate)
        _tell_removed(review, candidate)
        if promoted is not None:
            _tell_moved_up(review, promoted)
    _tell_objector(review, objection)


def remove_and_move_up(review: ReviewRound, candidate: ReviewCandidate) -> ReviewCandidate | None:
    """The candidate leaves the list; the head of the reserve list takes the place. Ranks close up."""
    reserve = review.with_status(Status.reserve)
    candidate.status = Status.removed
    record(review, None, "objection_upheld", candidate)
    promoted = reserve[0] if reserve else None
    if promoted is not None:
        promoted.status = Status.formal
        record(review, None, "moved_up", promoted)
    order = (review.with_status(Status.formal) + review.with_status(Status.reserve)
             + review.with_status(Status.not_selected))
    for position, row in enumerate(order, start=1):
        row.rank = position
    candidate.rank = None
    db.session.flush()
    return promoted


def _about(review: ReviewRound) -> dict:
    return {"title": call_title(review.cycle, english=False), "title_en": call_title(review.cycle, english=True),
            "school": review.office.name}


def _tell_removed(review: ReviewRound, candidate: ReviewCandidate) -> None:
    notify_event(NotificationKind.removed, [candidate.teacher_id], key=f"review_candidate:{candidate.id}:removed",
                 params=_about(review), link=app_path("self_application.mine"))


def _tell_moved_up(review: ReviewRound, candidate: ReviewCandidate) -> None:
    notify_event(NotificationKind.recommended, [candidate.teacher_id], key=f"review_candidate:{candidate.id}:promoted",
                 params={**_about(review), "notice_end": review.notice_end_dt.isoformat()},
                 link=app_path("county_review.notice", review_id=review.id))


def _tell_objector(review: ReviewRound, objection: Objection) -> None:
    notify_event(NotificationKind.objection_reply, [objection.objector_id], key=f"objection:{objection.id}",
                 instance=objection.instance_id,
                 params={**_about(review), "candidate": objection.review_candidate.teacher.display_name,
                         "decision": objection.status.value, "reply": (objection.reply or "")[:1000]},
                 link=app_path("county_review.notice", review_id=review.id))
