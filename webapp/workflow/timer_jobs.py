"""Advance BPMN timers that are due: claim one due instance at a time, one transaction each.

Claims go through the database, never through process-local state: on PostgreSQL the instance
row is locked with `FOR UPDATE SKIP LOCKED`, so two schedulers never load the same instance
(each takes the next one nobody holds). On SQLite the scheduler's lease keeps a second
scheduler out, and the instance's optimistic lock catches anything else.

A user completing a task on the same instance at the same moment loses nothing either way: if
the user's request saved first, this job's save fails the optimistic lock, is rolled back, and
the instance (still due) is fired on the next run; if this job saved first, the user gets the
usual 409 and submits again on the new state.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ..engine.runtime import WorkflowEngine
from ..extensions import db
from ..models import InstanceStatus, ProcessInstance, utcnow
from ..scheduler.records import LeaseLost, record_failure
from ..core.errors import Conflict
from .operations import fire_due_timers

log = logging.getLogger(__name__)

JOB_NAME = "advance_timers"


def advance_due_timers(engine: WorkflowEngine, now: datetime | None = None, batch: int = 500, lease=None) -> int:
    """Fire due timers instance by instance, committing each; return how many instances advanced.

    An instance that cannot be advanced now (someone else holds it, or it failed) stays due and
    is tried again on the next run; unexpected failures are logged and recorded with the instance.
    """
    now = now or utcnow()
    advanced = 0
    still_due: set[int] = set()  # tried in this run and still due: leave them to the next run
    for _ in range(batch):
        if lease is not None:
            lease.renew()
        instance = _claim_next_due(now, still_due)
        if instance is None:
            db.session.rollback()
            break
        instance_id = instance.id
        fired, due_again = fire_claimed(engine, instance, now)
        advanced += fired
        if due_again:
            still_due.add(instance_id)
    return advanced


def _claim_next_due(now: datetime, passed_over: set[int]) -> ProcessInstance | None:
    """The earliest due instance that nobody else holds (and this run has not tried), locked.

    The index on (status, next_timer_dt) answers this from its first entries, however many
    instances are due.
    """
    query = select(ProcessInstance).where(
        ProcessInstance.status == InstanceStatus.running, ProcessInstance.next_timer_dt <= now
    )
    if passed_over:
        query = query.where(ProcessInstance.id.not_in(passed_over))
    query = (
        query.order_by(ProcessInstance.next_timer_dt)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(query).first()


def fire_claimed(engine: WorkflowEngine, instance: ProcessInstance, now: datetime) -> tuple[bool, bool]:
    """Fire one claimed instance's timers and commit; return (fired?, still due by `now`?).

    The caller holds the instance's row (`FOR UPDATE SKIP LOCKED`). An instance that could not be fired (rolled back) stays due for the next run.
    """
    instance_id = instance.id
    try:
        fire_due_timers(engine, instance, now, claimed=True)
        due_again = instance.status is InstanceStatus.running and (
            instance.next_timer_dt is not None and instance.next_timer_dt <= now
        )
        db.session.commit()
        return True, due_again
    except (Conflict, StaleDataError):
        db.session.rollback()  # a user acted on it at the same moment; the next run fires it
    except OperationalError as error:
        db.session.rollback()
        if not is_lock_conflict(error):
            log.exception("advancing timers of instance %s failed", instance_id)
            record_failure(JOB_NAME, f"instance {instance_id}", error)
    except LeaseLost:
        db.session.rollback()
        raise
    except Exception as error:
        db.session.rollback()
        log.exception("advancing timers of instance %s failed", instance_id)
        record_failure(JOB_NAME, f"instance {instance_id}", error)
    return False, True


def is_lock_conflict(error: OperationalError) -> bool:
    """True for a database busy/lock error: another writer got there first, try again later."""
    text = str(error).lower()
    return "locked" in text or "deadlock" in text or "could not serialize" in text
