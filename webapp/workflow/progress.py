"""Who still has to act on an instance: each open step, who it waits for, and how far a shared step got.

A step done by several people in parallel (one ballot per committee member) reads
"2 of 3 done; done: A, B; waiting for C" — who acted, never what they entered.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import HumanTask, TaskState, User


@dataclass
class StepProgress:
    """One open step of an instance."""

    task_name: str
    title: str
    open_tasks: list[HumanTask] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)   # names, or the role that may claim it
    done_by: list[str] = field(default_factory=list)   # for a parallel step: who has done their part
    parallel: bool = False
    due_dt: datetime | None = None

    @property
    def done(self) -> int:
        """How many parts of a parallel step are done."""
        return len(self.done_by)

    @property
    def total(self) -> int:
        """How many parts a parallel step has (done and still open)."""
        return len(self.done_by) + len(self.open_tasks)


def instance_progress(instance_id: int, english: bool) -> list[StepProgress]:
    """The open steps of an instance, in the order they opened, with who they wait for."""
    rows = db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.id)
    ).all()
    open_names = [row.task_name for row in rows if row.state is TaskState.open]
    if not open_names:
        return []
    # A step is parallel when several of its rows opened at the same moment (a multi-instance task).
    batches = Counter((row.task_name, row.created_dt) for row in rows)
    parallel = {name for (name, _created), count in batches.items() if count > 1}
    people = _names({row.assignee_id for row in rows} | {row.completed_by_id for row in rows})
    steps: dict[str, StepProgress] = {}
    for row in rows:
        if row.task_name not in open_names:
            continue
        step = steps.setdefault(row.task_name, StepProgress(row.task_name, row.display_title(english),
                                                            parallel=row.task_name in parallel))
        if row.state is TaskState.open:
            step.open_tasks.append(row)
            step.waiting.append(people.get(row.assignee_id) or row.role.label)
            if row.due_dt is not None and (step.due_dt is None or row.due_dt < step.due_dt):
                step.due_dt = row.due_dt
        elif row.state is TaskState.completed and step.parallel:
            step.done_by.append(people.get(row.completed_by_id, "?"))
    for step in steps.values():
        step.waiting = sorted(set(step.waiting))
    return list(steps.values())


def _names(user_ids: set[int | None]) -> dict[int, str]:
    """Display names of users, in one query."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
