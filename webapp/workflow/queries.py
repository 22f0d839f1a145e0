"""Inbox queries: they read the indexed human-task table only, never the workflows."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select

from ..extensions import db
from ..models import HumanTask, TaskState, User


@dataclass(frozen=True)
class InboxFilter:
    """What the user narrowed the inbox to."""

    view: str = "all"  # all | mine | queue
    process: str | None = None
    step: str | None = None
    subject: str | None = None


def _queue_condition(user: User):
    """Open tasks nobody has claimed, for a role the user holds at the task's organisation."""
    scopes = [and_(HumanTask.role == role, HumanTask.org_id == org.id) for role, org in user.role_scopes()]
    if not scopes:
        return None
    return and_(HumanTask.assignee_id.is_(None), or_(*scopes))


def inbox_query(user: User, filters: InboxFilter) -> Select:
    """Open tasks assigned to the user and/or claimable by them, filtered."""
    mine = HumanTask.assignee_id == user.id
    queue = _queue_condition(user)
    if filters.view == "mine" or queue is None:
        condition = mine
    elif filters.view == "queue":
        condition = queue
    else:
        condition = or_(mine, queue)
    query = select(HumanTask).where(HumanTask.state == TaskState.open, condition)
    if filters.process:
        query = query.where(HumanTask.process_id == filters.process)
    if filters.step:
        query = query.where(HumanTask.task_name == filters.step)
    if filters.subject:
        query = query.where(HumanTask.subject_name.contains(filters.subject, autoescape=True))
    return query


def inbox_page(user: User, filters: InboxFilter, page: int, per_page: int) -> tuple[list[HumanTask], int]:
    """One page of the inbox, soonest due first, and the total count."""
    base = inbox_query(user, filters)
    offset = (page - 1) * per_page
    rows = db.session.scalars(
        base.order_by(HumanTask.due_dt.is_(None), HumanTask.due_dt, HumanTask.created_dt, HumanTask.id)
        .limit(per_page)
        .offset(offset)
    ).all()
    if 0 < len(rows) < per_page or (page == 1 and not rows):
        return list(rows), offset + len(rows)  # the last page: the total needs no count
    total = db.session.scalar(select(func.count()).select_from(base.order_by(None).subquery()))
    return list(rows), int(total or 0)


def inbox_counts(user: User) -> dict[str, int]:
    """Counts for the navigation bar: assigned to me, and waiting in my roles' queues (one query)."""
    mine = HumanTask.assignee_id == user.id
    queue = _queue_condition(user)
    if queue is None:
        query = select(func.count(HumanTask.id), 0).where(HumanTask.state == TaskState.open, mine)
    else:
        query = select(
            func.count(HumanTask.id).filter(mine), func.count(HumanTask.id).filter(queue)
        ).where(HumanTask.state == TaskState.open, or_(mine, queue))
    mine_count, queue_count = db.session.execute(query).one()
    return {"mine": int(mine_count or 0), "queue": int(queue_count or 0)}


def step_choices(user: User) -> list[tuple[str, str, str, str | None]]:
    """Distinct (process, step, title, English title) among the user's open tasks, for the filter menu."""
    queue = _queue_condition(user)
    mine = HumanTask.assignee_id == user.id
    query = (
        select(HumanTask.process_id, HumanTask.task_name, func.min(HumanTask.title), func.min(HumanTask.title_en))
        .where(HumanTask.state == TaskState.open, mine if queue is None else or_(mine, queue))
        .group_by(HumanTask.process_id, HumanTask.task_name)
    )
    return [tuple(row) for row in db.session.execute(query)]
