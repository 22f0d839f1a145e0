"""The reminder scan: find open steps whose next reminder moment has come, write the notifications.

The scan reads the partial index on `human_task.reminder_dt` only, claims the rows it works on
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two schedulers split the work), inserts one
notification per recipient with `ON CONFLICT DO NOTHING` on the unique key (so a reminder
exists once however many schedulers run) and moves each step's next reminder moment on, or
drops it when the step is done or has no reminder left.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..calendar.window import WorkingDayWindow
from ..extensions import db
from ..models import (
    EmailState, HumanTask, Notification, NotificationKind, ProcessInstance, TaskState, utcnow,
)
from ..roles import Role
from .policy import ReminderPolicy
from .recipients import Recipients
from .schedule import Slot, latest_slot, next_slot_time, reminder_slots


def current_policy() -> ReminderPolicy:
    """The default reminder policy in force for this app."""
    return current_app.extensions["reminder_policy"].current()


def first_reminder_dt(process_id: str, task_name: str, due: datetime | None, now: datetime,
                      org_path: str | None = None) -> datetime | None:
    """When a step created `now` and due at `due` needs its first reminder (None: never).

    `org_path`: the organisation the process started in (its own variant of the policy applies).
    """
    if due is None:
        return None
    step = current_app.extensions["reminder_policy"].for_org(org_path).for_step(process_id, task_name)
    days = WorkingDayWindow(now.date(), due.date())
    return next_slot_time(reminder_slots(step, due, days), now)


@dataclass
class _DueTask:
    """The columns of a claimed task that the scan needs."""

    id: int
    instance_id: int
    process_id: str
    task_name: str
    role: Role
    org_id: int
    assignee_id: int | None
    due_dt: datetime | None
    state: TaskState


def scan_reminders(now: datetime | None = None, chunk: int = 5000, lease=None) -> int:
    """Write every reminder and escalation that is due; return how many notifications were written.

    Each chunk of claimed tasks is one transaction, committed here.
    """
    now = now or utcnow()
    source = current_app.extensions["reminder_policy"]
    policy = source.current()
    days = WorkingDayWindow((now - timedelta(days=400)).date(), (now + timedelta(days=100)).date())
    slots_of = lru_cache(maxsize=65536)(lambda step, due: reminder_slots(step, due, days))
    written = 0
    while True:
        if lease is not None:
            lease.renew()
        tasks = _claim_due_tasks(now, chunk)
        if tasks:
            written += _enqueue(tasks, _policies(source, policy, tasks), slots_of, now)
        db.session.commit()
        if len(tasks) < chunk:
            return written


def _claim_due_tasks(now: datetime, limit: int) -> list[_DueTask]:
    """Tasks whose next reminder moment has come (done ones too, to drop them), locked for this transaction."""
    query = (
        select(
            HumanTask.id, HumanTask.instance_id, HumanTask.process_id, HumanTask.task_name, HumanTask.role,
            HumanTask.org_id, HumanTask.assignee_id, HumanTask.due_dt, HumanTask.state,
        )
        .where(HumanTask.reminder_dt <= now)
        .order_by(HumanTask.reminder_dt)
        .limit(limit)
        .with_for_update(skip_locked=True, of=HumanTask)
    )
    return [_DueTask(*row) for row in db.session.execute(query)]


def _policies(source, default: ReminderPolicy, tasks: list[_DueTask]):
    """task -> the policy of the organisation its process started in (one query, and only when some
    province, city or county published its own policy)."""
    if not source.has_variants():
        return lambda _task: default
    paths = dict(db.session.execute(select(ProcessInstance.id, ProcessInstance.org_path)
                                    .where(ProcessInstance.id.in_({task.instance_id for task in tasks}))).all())
    by_path = {path: source.for_org(path) for path in set(paths.values())}
    return lambda task: by_path.get(paths.get(task.instance_id), default)


def _enqueue(tasks: list[_DueTask], policy_of, slots_of, now: datetime) -> int:
    """Decide each task's reminder, write the notifications, reschedule the tasks."""
    sends: list[tuple[_DueTask, Slot]] = []
    next_times: dict[datetime | None, list[int]] = defaultdict(list)
    for task in tasks:
        if task.state is not TaskState.open or task.due_dt is None:
            next_times[None].append(task.id)
            continue
        slots = slots_of(policy_of(task).for_step(task.process_id, task.task_name), task.due_dt)
        slot = latest_slot(slots, now)
        if slot is not None:
            sends.append((task, slot))
        next_times[next_slot_time(slots, now)].append(task.id)
    written = _insert_notifications(_rows_for(sends, policy_of, now))
    _reschedule(next_times)
    return written


def _rows_for(sends: list[tuple[_DueTask, Slot]], policy_of, now: datetime) -> list[dict]:
    """One notification row per recipient: the step's holder(s), and the supervisors on escalation."""
    if not sends:
        return []
    recipients = Recipients([task for task, _slot in sends],
                            supervisor_of_task=lambda task: policy_of(task).supervisor_of(task.role))
    rows = []
    for task, slot in sends:
        for user_id in recipients.holders(task):
            rows.append(_row(task.id, user_id, slot.kind, slot.sequence, now))
        if slot.escalation is not None:
            for user_id in recipients.supervisors(task):
                rows.append(_row(task.id, user_id, NotificationKind.escalation, slot.escalation, now))
    return rows


def _row(task_id: int, user_id: int, kind: NotificationKind, sequence: int, now: datetime) -> dict:
    """Column values of a new notification (its e-mail is due at once)."""
    return {
        "task_id": task_id, "user_id": user_id, "kind": kind, "sequence": sequence, "created_dt": now,
        "email_state": EmailState.pending, "email_attempts": 0, "email_next_dt": now,
    }


def _insert_notifications(rows: list[dict]) -> int:
    """Insert the rows, ignoring any whose key exists already; return how many were new."""
    if not rows:
        return 0
    if db.engine.dialect.name == "postgresql":
        return _insert_notifications_postgresql(rows)
    statement = sqlite_insert(Notification).on_conflict_do_nothing(
        index_elements=["task_id", "kind", "sequence", "user_id"]
    ).returning(Notification.id)
    return sum(len(db.session.execute(statement, rows[i:i + 2000]).all()) for i in range(0, len(rows), 2000))


def _insert_notifications_postgresql(rows: list[dict]) -> int:
    """One INSERT … SELECT FROM unnest(arrays): tens of thousands of rows without a huge statement."""
    now = rows[0]["created_dt"]
    result = db.session.execute(
        text(
            "INSERT INTO notification (task_id, user_id, kind, sequence, created_dt, email_state, email_attempts,"
            " email_next_dt) SELECT t, u, k, s, :now, :pending, 0, :now"
            " FROM unnest(CAST(:tasks AS integer[]), CAST(:users AS integer[]), CAST(:kinds AS text[]),"
            " CAST(:sequences AS integer[])) AS x(t, u, k, s)"
            " ON CONFLICT ON CONSTRAINT uq_notification_key DO NOTHING"
        ),
        {
            "now": now,
            "pending": EmailState.pending.name,
            "tasks": _array(row["task_id"] for row in rows),
            "users": _array(row["user_id"] for row in rows),
            "kinds": _array(row["kind"].name for row in rows),
            "sequences": _array(row["sequence"] for row in rows),
        },
    )
    return result.rowcount


def _array(values) -> str:
    """A PostgreSQL array literal of plain integers or identifiers (cheaper to send than a list)."""
    return "{" + ",".join(map(str, values)) + "}"


def _reschedule(next_times: dict[datetime | None, list[int]]) -> None:
    """Store each task's next reminder moment, one statement per distinct moment; None drops it."""
    postgresql = db.engine.dialect.name == "postgresql"
    for when, ids in next_times.items():
        if postgresql:
            db.session.execute(text("UPDATE human_task SET reminder_dt = :when WHERE id = ANY(CAST(:ids AS integer[]))"),
                               {"when": when, "ids": _array(ids)})
            continue
        for start in range(0, len(ids), 2000):
            db.session.execute(update(HumanTask).where(HumanTask.id.in_(ids[start:start + 2000])).values(reminder_dt=when)
                               .execution_options(synchronize_session=False))
