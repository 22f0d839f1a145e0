"""Handing an assigned step to someone else: overseers only, to a person who may hold it, with a reason.

Who may take a step over: someone holding the step's role at its organisation, other than its
holder. For a personal step (one person's by design) also nobody who already has or had that
same step in the instance. For a secret ballot that means a committee member who holds no ballot
in the vote and has not voted in it: the ballot is open, so no vote exists to leak, a ballot
cannot be saved as a draft, and nobody can vote twice. A queue step someone claimed may also go
back to its queue. A teacher's own step is never reassigned (`permissions.can_reassign`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import HumanTask, RoleAssignment, TaskState, User
from ..roles import Role
from .display import Entry
from ..core.errors import Conflict, NotFound
from .permissions import can_view_instance, oversees_task

QUEUE = "queue"  # the form's value for "back to the queue"
REASON_MIN, REASON_MAX = 5, 500


@dataclass
class ReassignForm:
    """What the overseer entered, and a message per field that was wrong."""

    assignee: str = ""
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def get_reassignable_task(user: User, task_id: int) -> HumanTask:
    """The step if the user oversees it and it can be reassigned now.

    404 for anyone who is not an overseer who sees the instance, and for a teacher's own step
    (the action does not exist for it); 409 when the step is closed or waits, unassigned, in its queue.
    """
    task = db.session.get(HumanTask, task_id, options=[joinedload(HumanTask.instance)])
    if task is None or not oversees_task(user, task) or not can_view_instance(user, task.instance):
        raise NotFound(_("No such task."))
    if task.role is Role.teacher:
        raise NotFound(_("A teacher's own step cannot be handed to anyone else."))
    if task.state is not TaskState.open:
        raise Conflict(_("This step is no longer open: it was completed or closed."))
    if task.assignee_id is None:
        raise Conflict(_("This step is not assigned to anyone: it waits in its queue."))
    return task


def candidates(task: HumanTask) -> list[User]:
    """The people who may take the step over, by name."""
    query = (
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == task.role, RoleAssignment.org_id == task.org_id,
               User.id != task.assignee_id, User.is_active_flag.is_(True))
    )
    if task.personal:
        holders = select(HumanTask.assignee_id).where(
            HumanTask.instance_id == task.instance_id, HumanTask.task_name == task.task_name,
            HumanTask.state.in_([TaskState.open, TaskState.completed]), HumanTask.assignee_id.is_not(None),
        )
        completers = select(HumanTask.completed_by_id).where(
            HumanTask.instance_id == task.instance_id, HumanTask.task_name == task.task_name,
            HumanTask.completed_by_id.is_not(None),
        )
        query = query.where(User.id.not_in(holders), User.id.not_in(completers))
    return list(db.session.scalars(query.order_by(User.display_name, User.id)))


def read_form(task: HumanTask, form, people: list[User]) -> tuple[ReassignForm, User | None]:
    """Check the posted choice and reason; returns the form (with errors) and the new holder."""
    entered = ReassignForm(assignee=(form.get("assignee") or "").strip(), reason=(form.get("reason") or "").strip())
    chosen = None
    if entered.assignee == QUEUE and not task.personal:
        pass
    elif not entered.assignee:
        entered.errors["assignee"] = _("Choose who takes this step over.")
    else:
        chosen = next((p for p in people if str(p.id) == entered.assignee), None)
        if chosen is None:
            entered.errors["assignee"] = _("This person cannot take this step over. Choose someone from the list.")
    if len(entered.reason) < REASON_MIN:
        entered.errors["reason"] = _("Give the reason (at least %(n)d characters): it is kept in the history.", n=REASON_MIN)
    elif len(entered.reason) > REASON_MAX:
        entered.errors["reason"] = _("The reason may be at most %(n)d characters long.", n=REASON_MAX)
    return entered, chosen


def holder_name(task: HumanTask) -> str:
    """Who holds the step now."""
    user = db.session.get(User, task.assignee_id) if task.assignee_id else None
    return user.display_name if user else ""


def history_entries(data: dict | None) -> list[Entry]:
    """From whom to whom, as the history shows answers."""
    data = data or {}
    return [Entry(label=_("From"), text=data.get("from") or ""),
            Entry(label=_("To"), text=data.get("to") or _("the queue"))]

