"""The per-candidate sheets of the review: research-staff opinions and expert score sheets.

A sheet is one step of one person (a task of the diagram, assigned to them). The page reads
and checks the posted sheet (`read_*`), then completes the step; the step's handler stores the
answers (`store_*`, called through the engine's `secretHandler`), so scores never enter the
process data, the history or a draft. Each `store_*` checks everything again: it is the last
line of defence, also against a sheet posted for candidates that are not the sender's.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ...core.errors import Conflict, InvalidInput, NotFound
from ...extensions import db
from ...forms import FieldError
from ...models import HumanTask, User, utcnow
from ...workflow.operations import get_actionable_task
from .labels import CRITERIA, OPINIONS
from .models import ExpertAssignment, ReviewCandidate, ReviewCandidateStatus, ReviewRound, ReviewStatus
from .ranking import check_scores

PROCESS_ID = "county_review"
COMMENT_MAX = 500


def sheet_task(user: User, task_id: int, step: str) -> HumanTask:
    """The user's own open step `step` of a review (another step or process: 404)."""
    task = get_actionable_task(user, task_id)
    if task.process_id != PROCESS_ID or task.task_name != step:
        raise NotFound(_("No such task."))
    return task


def review_of(instance_id: int) -> ReviewRound:
    """The review an instance runs."""
    review = db.session.scalar(select(ReviewRound).filter_by(instance_id=instance_id))
    if review is None:
        raise NotFound(_("No such review."))
    return review


def criterion_label(name: str) -> str:
    """A rubric criterion in the page's language (its key when it has no label)."""
    return str(CRITERIA.get(name, name))


# -- research-staff opinions -----------------------------------------------------------------------

def opinion_candidates(review: ReviewRound, subject: str) -> list[ReviewCandidate]:
    """Accepted candidates of one subject: the only ones its research staff see."""
    return [c for c in review.candidates if c.subject == subject and c.status is ReviewCandidateStatus.accepted]


def read_opinions(form, candidates: list[ReviewCandidate]) -> tuple[dict, list[FieldError]]:
    """An opinion and a comment for every candidate of the subject."""
    answers, errors = {}, []
    for candidate in candidates:
        opinion = (form.get(f"opinion-{candidate.id}") or "").strip()
        comment = (form.get(f"comment-{candidate.id}") or "").strip()
        if opinion not in OPINIONS:
            errors.append(FieldError(path=(f"opinion-{candidate.id}",), label=candidate.teacher.display_name,
                                     message=_("Choose an opinion.")))
        if not 2 <= len(comment) <= COMMENT_MAX:
            errors.append(FieldError(path=(f"comment-{candidate.id}",), label=candidate.teacher.display_name,
                                     message=_("Write a comment of 2 to %(max)d characters.", max=COMMENT_MAX)))
        answers[str(candidate.id)] = {"opinion": opinion, "comment": comment}
    return {"opinions": answers}, errors


def store_opinions(review: ReviewRound, staff_id: int, subject: str, answers: dict) -> None:
    """Record one subject's opinions; the sheet must cover exactly that subject's candidates."""
    if review.status is not ReviewStatus.opinions:
        raise Conflict(_("Opinions on this review are closed."))
    given = (answers or {}).get("opinions") or {}
    candidates = {str(c.id): c for c in opinion_candidates(review, subject)}
    if set(given) != set(candidates):
        raise NotFound(_("No such candidate."))
    for key, candidate in candidates.items():
        opinion, comment = given[key].get("opinion"), (given[key].get("comment") or "").strip()
        if opinion not in OPINIONS or not 2 <= len(comment) <= COMMENT_MAX:
            raise InvalidInput(_("Every candidate needs an opinion and a comment."), [])
        candidate.opinion, candidate.opinion_comment, candidate.opinion_by_id = opinion, comment, staff_id


# -- expert score sheets ---------------------------------------------------------------------------

def open_assignments(review: ReviewRound, expert_id: int) -> list[ExpertAssignment]:
    """The expert's candidates still in the review, in a stable order (never anyone else's)."""
    # The candidates come with the same query (the join is there for the filter anyway).
    return list(db.session.scalars(
        select(ExpertAssignment).join(ReviewCandidate).options(contains_eager(ExpertAssignment.candidate))
        .where(ExpertAssignment.review_id == review.id, ExpertAssignment.expert_id == expert_id,
               ReviewCandidate.status == ReviewCandidateStatus.accepted)
        .order_by(ReviewCandidate.subject, ReviewCandidate.id)
    ))


def read_scores(form, rubric: list, assignments: list[ExpertAssignment]) -> tuple[dict, list[FieldError]]:
    """Whole points from 0 to each criterion's maximum, for every assigned candidate."""
    messages = {
        "missing": _("Enter a score."),
        "not_a_number": _("Enter whole points (0, 1, 2, …)."),
    }
    answers, errors = {}, []
    for assignment in assignments:
        raw = {name: form.get(f"score-{assignment.candidate_id}-{name}", "") for name, _max in rubric}
        scores, problems = check_scores([tuple(item) for item in rubric], raw)
        for name, problem in problems.items():
            maximum = dict((n, m) for n, m in rubric)[name]
            message = messages.get(problem) or _("Enter 0 to %(max)d points.", max=maximum)
            errors.append(FieldError(path=(f"score-{assignment.candidate_id}-{name}",),
                                     label=f"{assignment.candidate.teacher.display_name} · {criterion_label(name)}",
                                     message=message))
        answers[str(assignment.candidate_id)] = scores
    return {"scores": answers}, errors


def store_scores(review: ReviewRound, expert_id: int, answers: dict) -> None:
    """Record an expert's sheet once: exactly their candidates, every criterion within its range."""
    if review.status is not ReviewStatus.scoring:
        raise Conflict(_("Scoring in this review has closed."))
    given = (answers or {}).get("scores") or {}
    assignments = {str(a.candidate_id): a for a in open_assignments(review, expert_id)}
    if set(given) != set(assignments):
        raise NotFound(_("No such candidate."))
    rubric = [tuple(item) for item in review.rubric]
    now = utcnow()
    for key, assignment in assignments.items():
        if assignment.scored_dt is not None:
            raise Conflict(_("You have already submitted your scores."))
        scores, problems = check_scores(rubric, {name: str(given[key].get(name, "")) for name, _max in rubric})
        if problems:
            raise InvalidInput(_("Every criterion needs a score within its range."), [])
        assignment.scores, assignment.total, assignment.scored_dt = scores, float(sum(scores.values())), now
