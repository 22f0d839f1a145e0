"""Who may see an instance and act on a task: a role held in an organisation that contains it."""
from __future__ import annotations

from sqlalchemy import exists, or_, select

from ..extensions import db
from ..models import HumanTask, ProcessInstance, TaskState, User
from ..roles import OVERSEEING_ROLES, Role


def can_view_instance(user: User, instance: ProcessInstance) -> bool:
    """The subject, overseers of an organisation containing it, and people with a task on it."""
    if instance.subject_user_id == user.id:
        return True
    if instance.confidential:
        # An objection: its subject (the objector) and whoever investigates it, no other overseer.
        return _has_task_on(user, instance)
    if oversees(user, instance.org_path):
        return True
    return _has_task_on(user, instance)


def oversees(user: User, org_path: str) -> bool:
    """True if the user holds an overseeing role (school admin, county, …) in an organisation containing the path."""
    return any(role in OVERSEEING_ROLES and org_path.startswith(org.path) for role, org in user.role_scopes())


def can_act_on_task(user: User, task: HumanTask) -> bool:
    """The assignee if there is one; otherwise anyone holding the task's role at its organisation."""
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    return holds_task_role(user, task)


def holds_task_role(user: User, task: HumanTask) -> bool:
    """True if the user holds the task's role at the task's organisation."""
    return any(role is task.role and org.id == task.org_id for role, org in user.role_scopes())


def is_sysadmin(user: User) -> bool:
    """System administrators manage diagrams, forms and users."""
    return any(role is Role.sysadmin for role, _ in user.role_scopes())


def can_edit_calendar(user: User) -> bool:
    """System administrators and county offices (who set local deadlines) keep the working-day calendar."""
    return any(role in (Role.sysadmin, Role.county_office) for role, _ in user.role_scopes())


def _has_task_on(user: User, instance: ProcessInstance) -> bool:
    """True if the user completed, holds, or could claim a task of the instance."""
    scopes = [(role, org.id) for role, org in user.role_scopes()]
    claimable = [
        (HumanTask.role == role) & (HumanTask.org_id == org_id) & (HumanTask.state == TaskState.open)
        for role, org_id in scopes
    ]
    query = select(
        exists().where(
            HumanTask.instance_id == instance.id,
            or_(HumanTask.assignee_id == user.id, HumanTask.completed_by_id == user.id, *claimable),
        )
    )
    return bool(db.session.scalar(query))
