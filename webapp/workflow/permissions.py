"""Who may see an instance and act on a task: the whole access policy of the service layer.

- An instance is seen by its subject, by overseers of an organisation containing it (except a
  confidential one), and by people with a task on it: assigned to them, completed by them, or
  claimable by them.
- Claimable means open, assigned to nobody, and for a role the user holds at the task's
  organisation. A task assigned to a person grants nothing to anyone else.
- A personal step (a teacher's own step, a step with a BPMN `assignee` such as a ballot) belongs
  to its assignee alone: for anyone else it does not exist (the out-of-scope 404). A queue step
  someone claimed is still known to the others holding its role there, who are told truthfully
  that it was taken; its claimer may release it.
- Only an overseer reassigns an assigned step, never a teacher's own step (see `can_reassign`).
"""
from __future__ import annotations

from sqlalchemy import exists, or_, select

from ..extensions import db
from ..models import HumanTask, ProcessInstance, TaskState, User
from ..roles import OVERSEEING_ROLES, Role


def can_view_instance(user: User, instance: ProcessInstance, task: HumanTask | None = None) -> bool:
    """The subject, overseers of an organisation containing it, and people with a task on it.

    `task`: a task of the instance already in hand (the one being opened or completed); if it is
    the user's, that answers without asking the database for one.
    """
    if instance.subject_user_id == user.id:
        return True
    if instance.confidential:
        # An objection: its subject (the objector) and whoever investigates it, no other overseer.
        return _task_grants(user, instance, task) or _has_task_on(user, instance)
    if oversees(user, instance.org_path):
        return True
    return _task_grants(user, instance, task) or _has_task_on(user, instance)


def _task_grants(user: User, instance: ProcessInstance, task: HumanTask | None) -> bool:
    """True if `task`, a task of `instance`, is one `_has_task_on` would find for the user."""
    if task is None or task.instance_id != instance.id:
        return False
    if user.id in (task.assignee_id, task.completed_by_id):
        return True
    return (task.state is TaskState.open and task.assignee_id is None and not task.personal
            and holds_task_role(user, task))


def may_reach_task(user: User, task: HumanTask) -> bool:
    """True if the task exists for the user at all; otherwise it is out of scope (404).

    Its assignee and whoever completed it reach it. A personal step nobody else. A queue step
    everyone holding its role at its organisation, so that a colleague who comes too late is
    told it was taken or completed, truthfully.
    """
    if user.id in (task.assignee_id, task.completed_by_id):
        return True
    if task.personal:
        return False
    return holds_task_role(user, task)


def oversees(user: User, org_path: str) -> bool:
    """True if the user holds an overseeing role (school admin, county, …) in an organisation containing the path."""
    return any(role in OVERSEEING_ROLES and org_path.startswith(org.path) for role, org in user.role_scopes())


def can_act_on_task(user: User, task: HumanTask) -> bool:
    """True if the user may work on the open task now: its assignee, or for a queue step nobody
    has claimed, anyone holding its role at its organisation."""
    if task.state is not TaskState.open:
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    return not task.personal and holds_task_role(user, task)


def can_release(user: User, task: HumanTask) -> bool:
    """Only the claimer of a queue step gives it back; a personal step is never released."""
    return task.state is TaskState.open and not task.personal and task.assignee_id == user.id


def holds_task_role(user: User, task: HumanTask) -> bool:
    """True if the user holds the task's role at the task's organisation."""
    return any(role is task.role and org.id == task.org_id for role, org in user.role_scopes())


def oversees_task(user: User, task: HumanTask) -> bool:
    """An overseeing role other than the step's own, at an organisation containing the step's.

    So the school administrator oversees the committee's ballots, the county office (and above)
    the school's steps; colleagues holding the step's own role are peers, not overseers.
    """
    return any(
        role in OVERSEEING_ROLES and role is not task.role and task.organisation.path.startswith(org.path)
        for role, org in user.role_scopes()
    )


def can_reassign(user: User, task: HumanTask) -> bool:
    """Overseers who see the instance may hand an assigned open step to someone else.

    A teacher's own step is about that teacher (their application): nobody else can take it over.
    """
    return (
        task.state is TaskState.open
        and task.assignee_id is not None
        and task.role is not Role.teacher
        and oversees_task(user, task)
        and can_view_instance(user, task.instance)
    )


def is_sysadmin(user: User) -> bool:
    """System administrators manage diagrams, forms and users."""
    return any(role is Role.sysadmin for role, _ in user.role_scopes())


def can_edit_calendar(user: User) -> bool:
    """System administrators and county offices (who set local deadlines) keep the working-day calendar."""
    return any(role in (Role.sysadmin, Role.county_office) for role, _ in user.role_scopes())


def _has_task_on(user: User, instance: ProcessInstance) -> bool:
    """True if the user completed, holds, or could claim a task of the instance.

    A task assigned to someone (a colleague's own step, a claimed one) is not claimable.
    """
    scopes = [(role, org.id) for role, org in user.role_scopes()]
    claimable = [
        (HumanTask.role == role) & (HumanTask.org_id == org_id) & (HumanTask.state == TaskState.open)
        & HumanTask.assignee_id.is_(None) & HumanTask.personal.is_(False)
        for role, org_id in scopes
    ]
    query = select(
        exists().where(
            HumanTask.instance_id == instance.id,
            or_(HumanTask.assignee_id == user.id, HumanTask.completed_by_id == user.id, *claimable),
        )
    )
    return bool(db.session.scalar(query))
