"""Handlers for the competitive review (workflows/county_review.bpmn).

The per-candidate sheets (materials check, opinions, scores, panel confirmation) are completed
on the review's own pages; their answers reach `finish_materials`, `record_opinions`,
`confirm_assignment` and `record_scores` through the engine's `secretHandler`, never the
process data. The rules come from `workflows/review_rules.dmn`.
"""
from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import RoleAssignment, User
from webapp.processes.county_review import objections, selection, sheets
from webapp.processes.county_review.models import ReviewCandidate, ReviewCandidateStatus, ReviewRound, ReviewStatus
from webapp.processes.county_review.operations import materials_finished, record
from webapp.processes.county_review.selection import staff_subjects
from webapp.processes.self_application.labels import subject_label
from webapp.roles import Role

from . import handler


def _review(review_id) -> ReviewRound:
    """The review the process is about."""
    row = db.session.get(ReviewRound, int(review_id))
    if row is None:
        raise LookupError(f"review {review_id} does not exist")
    return row


def _actor(user_id: int) -> User | None:
    return db.session.get(User, user_id)


@handler("apply_review_rules", "Keep the rubric of the review (from review_rules) and check the tie-break rule.")
def apply_review_rules(review_id, rules: dict) -> bool:
    """Store the rubric the experts will score on."""
    selection.apply_rules(_review(review_id), rules)
    return True


@handler("finish_materials", "End the materials check once every candidate is decided (called by the service layer).")
def finish_materials(context: dict, user_id: int, answers: dict) -> None:
    """Refuse while a candidate is open or waiting for material; then opinions are next."""
    review = _review(context["review_id"])
    materials_finished(review)
    review.status = ReviewStatus.opinions
    record(review, _actor(user_id), "materials_done")


@handler("review_opinion_tasks", "One opinion step per subject of the accepted candidates, for that subject's research staff.")
def review_opinion_tasks(review_id) -> list[dict]:
    """A step per subject that has research staff at the office; subjects without staff are skipped."""
    review = _review(review_id)
    subjects = sorted(db.session.scalars(
        select(ReviewCandidate.subject).distinct()
        .where(ReviewCandidate.review_id == review.id, ReviewCandidate.status == ReviewCandidateStatus.accepted)
    ))
    staff_ids = list(db.session.scalars(
        select(RoleAssignment.user_id).filter_by(role=Role.research_staff, org_id=review.office_id)
        .order_by(RoleAssignment.user_id)
    ))
    serves = staff_subjects(review.office_id, staff_ids)
    steps = []
    for subject in subjects:
        staff = next((user_id for user_id in staff_ids if subject in serves[user_id]), None)
        if staff is not None:
            steps.append({"subject_code": subject, "subject": subject_label(subject, english=False),
                          "subject_en": subject_label(subject, english=True), "staff_id": staff})
    if not steps:
        review.status = ReviewStatus.assigning
    return steps


@handler("record_opinions", "Record a research staff member's opinions on their subject (called by the service layer).")
def record_opinions(context: dict, user_id: int, answers: dict) -> None:
    """Store the opinions of the subject this step is for."""
    review = _review(context["review_id"])
    sheets.store_opinions(review, user_id, context["opinion_task"]["subject_code"], answers)


@handler("assign_experts", "Assign conflict-free expert panels automatically (the office may edit them).")
def assign_experts(review_id, panel_size: int) -> dict:
    """Experts per candidate from the office's experts; never the candidate or someone of their school."""
    return selection.assign_panels(_review(review_id), int(panel_size))


@handler("confirm_assignment", "The office confirms the expert panels (called by the service layer).")
def confirm_assignment(context: dict, user_id: int, answers: dict) -> None:
    """Refuse while a candidate has no expert."""
    review = _review(context["review_id"])
    selection.confirm_panels(review)
    record(review, _actor(user_id), "panels_confirmed")


@handler("scoring_experts", "The experts who have candidates to score (one score sheet each).")
def scoring_experts(review_id) -> list[int]:
    """Ids of experts with at least one assignment."""
    return selection.scoring_experts(_review(review_id))


@handler("record_scores", "Record one expert's score sheet (called by the service layer, not from a diagram).")
def record_scores(context: dict, user_id: int, answers: dict) -> None:
    """Store the sheet of the step's assignee: the service layer lets nobody else complete it.

    Usually the expert the sheet was made for (`context["expert"]`); after a deactivated expert's
    sheet was handed over (`experts.hand_over`), the expert who took it over, whose candidates
    moved with it. Either way only the submitter's own candidates are stored.
    """
    sheets.store_scores(_review(context["review_id"]), user_id, answers)


@handler("rank_review", "Aggregate the scores, check 差额, rank and find a tie across the line (rules from review_rules).")
def rank_review(review_id, rules: dict, margin_accepted: bool) -> dict:
    """The tally the diagram branches on."""
    return selection.rank(_review(review_id), rules, bool(margin_accepted))


@handler("apply_margin", "Record the office's decision when there are too few candidates per place.")
def apply_margin(review_id, choice: str, places: int, note: str) -> dict:
    """Lower the places or proceed with a reason."""
    return selection.apply_margin(_review(review_id), choice, places, note)


@handler("apply_review_tie", "Record the office's choice among candidates tied across the line.")
def apply_review_tie(review_id, chosen: list, note: str) -> dict:
    """The chosen become formal, the other tied candidates reserve."""
    selection.apply_tie(_review(review_id), chosen, note)
    return {"ok": True}


@handler("review_stage", "Mark the stage a review has reached.")
def review_stage(review_id, stage: str) -> str:
    """Set the review's status."""
    _review(review_id).status = ReviewStatus(stage)
    return stage


@handler("record_approval", "Record the leading group's approval or return, with its comment.")
def record_approval(review_id, decision: str, comment: str) -> dict:
    """Approve (the notice follows) or return to the office."""
    if decision not in ("approve", "return"):
        raise ValueError(f"unknown decision {decision!r}")
    review = _review(review_id)
    review.leader_comment = comment
    review.status = ReviewStatus.approval if decision == "approve" else ReviewStatus.selection
    return {"decision": decision, "comment": comment}


@handler("publish_review_notice", "Publish the list for a number of working days; returns when the notice ends.")
def publish_review_notice(review_id, working_days: int) -> str:
    """Start the public notice (公示)."""
    return selection.publish_notice(_review(review_id), int(working_days))


@handler("finalise_review", "Make the formal candidates and the reserve list final after the notice, "
                            "once every objection to it is answered.")
def finalise_review(review_id) -> dict:
    """The result later processes read; ``done`` is false while an objection is under investigation."""
    review = _review(review_id)
    objections.close_notice(review)
    waiting = objections.open_objections(review)
    if waiting:
        return {"done": False, "open_objections": waiting}
    return {"done": True, **selection.finalise(review)}
