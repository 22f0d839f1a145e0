"""What the scheduler writes about itself: job runs, failures, and the SQLite lease."""
from __future__ import annotations

import logging
import os
import socket
import traceback
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import SchedulerFailure, SchedulerJob, utcnow

log = logging.getLogger(__name__)

KEEP_FAILURES = 500


def new_runner_id() -> str:
    """Identify one scheduler: host, process and a random part (two may share a process in tests)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def register_job(name: str, interval_seconds: int, next_run: datetime | None) -> None:
    """Create or refresh the job's row so the admin page lists it before its first run."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(SchedulerJob)
        .values(name=name, interval_seconds=interval_seconds, next_run_dt=next_run)
        .on_conflict_do_update(index_elements=["name"], set_={"interval_seconds": interval_seconds, "next_run_dt": next_run})
    )
    db.session.commit()


def record_start(name: str, runner: str, now: datetime) -> None:
    """Note that a run began (own transaction)."""
    db.session.execute(
        update(SchedulerJob).where(SchedulerJob.name == name).values(last_started_dt=now, last_runner=runner)
    )
    db.session.commit()


def record_end(name: str, status: str, items: int | None, error: str | None, next_run: datetime | None) -> None:
    """Note how a run ended and when the next one is due (own transaction)."""
    db.session.execute(
        update(SchedulerJob)
        .where(SchedulerJob.name == name)
        .values(last_finished_dt=utcnow(), last_status=status, last_items=items, last_error=error, next_run_dt=next_run)
    )
    db.session.commit()


def record_failure(job: str, context: str | None, error: BaseException | str, runner: str | None = None) -> None:
    """Keep a failure for the admin page (own transaction; the caller has rolled back its work)."""
    text = error if isinstance(error, str) else "".join(traceback.format_exception(error))
    try:
        db.session.add(SchedulerFailure(job=job, context=(context or "")[:200] or None, error=text[-8000:], runner=runner))
        db.session.flush()
        _prune_failures()
        db.session.commit()
    except Exception:  # the database itself may be what failed: the log still has it
        db.session.rollback()
        log.exception("could not record the failure of %s (%s)", job, context)


def _prune_failures() -> None:
    """Keep only the most recent failures."""
    cutoff = db.session.scalar(
        select(SchedulerFailure.id).order_by(SchedulerFailure.id.desc()).offset(KEEP_FAILURES).limit(1)
    )
    if cutoff is not None:
        db.session.execute(delete(SchedulerFailure).where(SchedulerFailure.id <= cutoff))


class LeaseLost(RuntimeError):
    """Another scheduler took over the job (this one was too slow to renew its lease)."""


class Lease:
    """A job's short claim on SQLite, where rows cannot be locked for one scheduler.

    On PostgreSQL work is claimed row by row with `FOR UPDATE SKIP LOCKED`, so the lease is not
    needed and every method is a no-op: two schedulers share the work instead of taking turns.
    """

    def __init__(self, job: str, holder: str, seconds: int) -> None:
        self.job = job
        self.holder = holder
        self.seconds = seconds
        self.active = db.engine.dialect.name != "postgresql"

    def acquire(self) -> bool:
        """Take the lease if it is free or expired (own transaction); False if another holds it."""
        if not self.active:
            return True
        now = utcnow()
        result = db.session.execute(
            update(SchedulerJob)
            .where(
                SchedulerJob.name == self.job,
                (SchedulerJob.lease_holder.is_(None))
                | (SchedulerJob.lease_expires_dt < now)
                | (SchedulerJob.lease_holder == self.holder),
            )
            .values(lease_holder=self.holder, lease_expires_dt=now + timedelta(seconds=self.seconds))
        )
        db.session.commit()
        return result.rowcount == 1

    def renew(self) -> None:
        """Extend the lease inside the caller's transaction.

        On SQLite this write comes first in each unit of work, so the transaction holds the
        database's write lock from its start and never reads a state it could not then update.
        """
        if not self.active:
            return
        result = db.session.execute(
            update(SchedulerJob)
            .where(SchedulerJob.name == self.job, SchedulerJob.lease_holder == self.holder)
            .values(lease_expires_dt=utcnow() + timedelta(seconds=self.seconds))
        )
        if result.rowcount != 1:
            raise LeaseLost(f"{self.job}: lease taken over by another scheduler")

    def release(self) -> None:
        """Give the lease up (own transaction)."""
        if not self.active:
            return
        db.session.execute(
            update(SchedulerJob)
            .where(SchedulerJob.name == self.job, SchedulerJob.lease_holder == self.holder)
            .values(lease_holder=None, lease_expires_dt=None)
        )
        db.session.commit()
