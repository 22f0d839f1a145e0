"""An expert whose account is deactivated mid-review: their score sheet returns to the office.

A deactivated expert gets no reminders (recipients are active users only), and their open sheet
is listed on the office's review page with what it holds (`returned_sheets`); the office hands it
to another expert of the office (`hand_over`): the sheet's unscored candidates move to that
expert — never one with a conflict of interest, nor one who already holds a sheet in the review —
and the step itself is reassigned on record (`reassign_task`: who, to whom, why). The office is
told when a sheet returns by the reminder policy's escalation (expert → county office) too.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ...core.errors import Conflict, InvalidInput, NotFound
from ...extensions import db
from ...forms import FieldError
from ...models import HumanTask, TaskState, User
from ...workflow.operations import reassign_task
from . import assignment as solver
from .labels import CONFLICTS
from .models import ExpertAssignment, ReviewRound
from .operations import record
from .selection import office_experts
from .sheets import open_assignments

SCORING_STEP = "expert_scoring"


@dataclass
class ReturnedSheet:
    """An open score sheet held by a deactivated account, and who may take it over."""

    task: HumanTask
    expert: User
    candidates: int
    replacements: list[User]


def _open_sheets(review: ReviewRound) -> list[HumanTask]:
    return list(db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == review.instance_id, HumanTask.task_name == SCORING_STEP,
                                HumanTask.state == TaskState.open).order_by(HumanTask.id)))


def _holders(review: ReviewRound) -> set[int]:
    """Experts who hold or held a sheet in the review."""
    rows = db.session.execute(
        select(HumanTask.assignee_id, HumanTask.completed_by_id)
        .where(HumanTask.instance_id == review.instance_id, HumanTask.task_name == SCORING_STEP)).all()
    return {user_id for row in rows for user_id in row if user_id is not None}


def returned_sheets(review: ReviewRound) -> list[ReturnedSheet]:
    """Open sheets whose expert's account is deactivated, with the experts who could take each over."""
    if review.instance_id is None:
        return []
    sheets = []
    for task in _open_sheets(review):
        expert = db.session.get(User, task.assignee_id) if task.assignee_id else None
        if expert is None or expert.is_active:
            continue
        rows = open_assignments(review, expert.id)
        free = _free_experts(review)
        ok = [e for e in free if all(solver.conflict(_candidate(a), e) is None for a in rows)]
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([e.id for e in ok])))}
        sheets.append(ReturnedSheet(task, expert, len(rows), [users[e.id] for e in ok]))
    return sheets


def _candidate(row: ExpertAssignment) -> solver.Candidate:
    c = row.candidate
    return solver.Candidate(c.id, c.teacher_id, c.school_id, c.subject)


def _free_experts(review: ReviewRound) -> list[solver.Expert]:
    taken = _holders(review)
    return [e for e in office_experts(review) if e.id not in taken]


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError(path=("expert",), label=_("Expert"), message=message)])


def hand_over(office_user: User, review: ReviewRound, task_id: int, new_expert_id: int | None, reason: str) -> User:
    """Give a deactivated expert's open sheet, with its unscored candidates, to another expert."""
    task = next((t for t in _open_sheets(review) if t.id == task_id), None)
    if task is None:
        raise NotFound(_("No such task."))
    holder = db.session.get(User, task.assignee_id) if task.assignee_id else None
    if holder is None or holder.is_active:
        raise Conflict(_("Only the sheet of a deactivated expert returns to the office; this expert's account is active."))
    reason = (reason or "").strip()
    if not 5 <= len(reason) <= 500:
        raise InvalidInput(_("Give the reason (5 to 500 characters)."),
                           [FieldError(path=("reason",), label=_("Reason"), message=_("Give the reason (5 to 500 characters)."))])
    expert = next((e for e in office_experts(review) if e.id == new_expert_id), None)
    if expert is None:
        raise _refuse(_("Choose an expert of the office."))
    if expert.id in _holders(review):
        raise _refuse(_("This expert already has a score sheet in this review."))
    rows = open_assignments(review, holder.id)
    for row in rows:
        reason_key = solver.conflict(_candidate(row), expert)
        if reason_key is not None:
            raise _refuse(_("Refused: %(reason)s.", reason=CONFLICTS[reason_key]))
    new_holder = db.session.get(User, expert.id)
    for row in rows:
        row.expert_id = expert.id
    reassign_task(office_user, task, new_holder, reason)
    record(review, office_user, "expert_inactive", None, f"{holder.display_name} → {new_holder.display_name}: {reason}")
    db.session.flush()
    return new_holder
