"""The digest of new steps: one notification per person per scan, not one per step.

The engine marks each new step that the event policy announces (`human_task.announce_dt`, set in
the row's own INSERT). This scan claims those rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the
job's lease on SQLite), works out who may act on each step that is still open (its assignee, or
everyone who could claim it), writes one digest per person listing their new steps, and clears
the mark in the same transaction: a step is announced once, however many schedulers run.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update

from ..extensions import db
from ..models import HumanTask, NotificationKind, TaskState, utcnow
from .events import app_path, current_event_policy, event_row, insert_events
from .recipients import Recipients

LISTED = 10  # steps named in one digest; the rest are counted


def announce_new_tasks(now: datetime | None = None, chunk: int = 5000, lease=None) -> int:
    """Write the digests of every step waiting to be announced; return how many digests were written.

    Each chunk is one transaction, committed here.
    """
    now = now or utcnow()
    written = 0
    while True:
        if lease is not None:
            lease.renew()
        tasks = _claim(chunk)
        if tasks:
            if current_event_policy().enabled(NotificationKind.new_tasks):
                written += insert_events(_digests([t for t in tasks if t.state is TaskState.open], now))
            db.session.execute(
                update(HumanTask).where(HumanTask.id.in_([t.id for t in tasks])).values(announce_dt=None)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        if len(tasks) < chunk:
            return written


def _claim(limit: int) -> list:
    """Steps waiting to be announced, oldest first, locked for this transaction."""
    return list(db.session.execute(
        select(
            HumanTask.id, HumanTask.title, HumanTask.title_en, HumanTask.subject_name, HumanTask.subject_name_en,
            HumanTask.role, HumanTask.org_id, HumanTask.assignee_id, HumanTask.state,
        )
        .where(HumanTask.announce_dt.is_not(None))
        .order_by(HumanTask.announce_dt, HumanTask.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=HumanTask)
    ))


def _digests(tasks: list, now: datetime) -> list[dict]:
    """One notification row per person who may act on any of the steps."""
    if not tasks:
        return []
    recipients = Recipients(tasks)
    steps_of: dict[int, list] = defaultdict(list)
    for task in tasks:
        for user_id in recipients.holders(task):
            steps_of[user_id].append(task)
    rows = []
    for user_id, steps in steps_of.items():
        params = {
            "count": len(steps),
            "steps": [{"title": t.title, "title_en": t.title_en, "subject": t.subject_name,
                       "subject_en": t.subject_name_en} for t in steps[:LISTED]],
            "link": app_path("workflow.task", task_id=steps[0].id) if len(steps) == 1 else app_path("workflow.inbox"),
        }
        # The first step of a person's digest is announced only once, so it names the digest.
        rows.append(event_row(NotificationKind.new_tasks, user_id, f"tasks:{steps[0].id}", now, params=params))
    return rows
