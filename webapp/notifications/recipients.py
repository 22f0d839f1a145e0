"""Who receives a notification about a step: its holder(s), and the supervisors above it."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import select

from ..extensions import db
from ..models import Organisation, RoleAssignment, User
from ..roles import Role


class Recipients:
    """Who holds which role where, loaded in a few queries for a whole chunk of tasks."""

    def __init__(self, tasks: list, supervisor_of: Callable[[Role], Role | None] = lambda _role: None,
                 supervisor_of_task: Callable[[object], Role | None] | None = None) -> None:
        # Who supervises a task's role: the same everywhere, or by task (each county's reminder policy).
        self.supervisor_of_task = supervisor_of_task or (lambda task: supervisor_of(task.role))
        org_ids = {task.org_id for task in tasks}
        paths = dict(db.session.execute(select(Organisation.id, Organisation.path).where(Organisation.id.in_(org_ids))).all())
        ancestor_ids = {int(part) for path in paths.values() for part in path.strip("/").split("/") if part}
        kinds = dict(db.session.execute(select(Organisation.id, Organisation.kind).where(Organisation.id.in_(ancestor_ids))).all())
        # For each task organisation: the organisation at each level above (or at) it.
        self.level_org = {
            org_id: {kinds[int(part)].value: int(part) for part in path.strip("/").split("/") if part and int(part) in kinds}
            for org_id, path in paths.items()
        }
        self.own_kind = {org_id: kinds[org_id].value for org_id in org_ids if org_id in kinds}
        roles = {task.role for task in tasks} | {s for s in (self._supervisor(t) for t in tasks) if s}
        rows = db.session.execute(
            select(RoleAssignment.role, RoleAssignment.org_id, RoleAssignment.user_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(User.is_active_flag.is_(True), RoleAssignment.role.in_(roles), RoleAssignment.org_id.in_(ancestor_ids))
        ).all()
        self.by_scope: dict[tuple[Role, int], list[int]] = defaultdict(list)
        for role, org_id, user_id in rows:
            self.by_scope[(role, org_id)].append(user_id)
        assignees = {task.assignee_id for task in tasks if task.assignee_id is not None}
        self.active_assignees = set(
            db.session.scalars(select(User.id).where(User.id.in_(assignees), User.is_active_flag.is_(True)))
        ) if assignees else set()

    def holders(self, task) -> list[int]:
        """The assignee, or everyone who could claim the step."""
        if task.assignee_id is not None and task.assignee_id in self.active_assignees:
            return [task.assignee_id]
        return self.by_scope.get((task.role, task.org_id), [])

    def _supervisor(self, task) -> Role | None:
        """The supervising role, as it acts at the step's level (a city review's expert: the city office)."""
        role = self.supervisor_of_task(task)
        return role.at_level(self.own_kind.get(task.org_id)) if role is not None else None

    def supervisors(self, task) -> list[int]:
        """Holders of the supervising role at the organisation above the step where that role acts."""
        role = self._supervisor(task)
        if role is None:
            return []
        org_id = self.level_org.get(task.org_id, {}).get(role.level)
        return self.by_scope.get((role, org_id), []) if org_id is not None else []
