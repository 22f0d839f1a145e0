"""Run one scheduled job: its own app context, its lease, a record of the run, failures contained."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import Flask

from ..extensions import db
from ..models import utcnow
from .records import Lease, LeaseLost, new_runner_id, record_end, record_failure, record_start, register_job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """A kind of scheduled work: name, what it does (shown to administrators), how often, the work."""

    name: str
    label: object  # lazy translated string
    interval_setting: str
    work: Callable[[datetime, Lease], int]

    def interval(self, app: Flask) -> int:
        """Seconds between runs, from the configuration."""
        return max(1, int(app.config[self.interval_setting]))


class JobRunner:
    """Runs jobs for one scheduler (one `runner_id`); never lets an exception escape."""

    def __init__(self, app: Flask, runner_id: str | None = None) -> None:
        self.app = app
        self.runner_id = runner_id or new_runner_id()
        self._registered: set[str] = set()

    def register(self, spec: JobSpec, next_run: datetime | None) -> None:
        """Make the job visible on the admin page (its row also carries the SQLite lease)."""
        with self.app.app_context():
            try:
                register_job(spec.name, spec.interval(self.app), next_run)
                self._registered.add(spec.name)
            except Exception:
                db.session.rollback()
                log.exception("could not register job %s", spec.name)
            finally:
                db.session.remove()

    def run(self, spec: JobSpec, scheduled: bool = True) -> str:
        """Run the job once in a fresh app context; return its status (ok, skipped, failed).

        `scheduled`: it runs on its interval, so the admin page can show when it runs next.
        (Computed here: asking APScheduler from inside a job deadlocks with its shutdown.)
        """
        if spec.name not in self._registered:
            self.register(spec, None)
        started = utcnow()
        next_run = started + timedelta(seconds=spec.interval(self.app)) if scheduled else None
        with self.app.app_context():
            try:
                return self._run(spec, started, next_run)
            finally:
                db.session.remove()

    def _run(self, spec: JobSpec, started: datetime, next_run: datetime | None) -> str:
        """The body of `run`, inside the app context."""
        lease = Lease(spec.name, self.runner_id, int(self.app.config["SCHEDULER_LEASE_SECONDS"]))
        try:
            if not lease.acquire():
                return "skipped"  # another scheduler is running this job right now (SQLite)
            record_start(spec.name, self.runner_id, started)
            began = time.monotonic()
            items = spec.work(started, lease)
            db.session.commit()
            record_end(spec.name, "ok", items, None, next_run)
            log.debug("%s: %s items in %.2f s", spec.name, items, time.monotonic() - began)
            return "ok"
        except LeaseLost as error:
            db.session.rollback()
            log.warning("%s stopped: %s", spec.name, error)
            self._safely(record_end, spec.name, "skipped", None, str(error), next_run)
            return "skipped"
        except Exception as error:
            db.session.rollback()
            log.exception("scheduled job %s failed (runner %s)", spec.name, self.runner_id)
            record_failure(spec.name, None, error, self.runner_id)
            self._safely(record_end, spec.name, "failed", None, f"{type(error).__name__}: {error}"[:2000], next_run)
            return "failed"
        finally:
            self._safely(lease.release)

    @staticmethod
    def _safely(action, *args) -> None:
        """Bookkeeping that must not turn one failure into two (the database may be down)."""
        try:
            action(*args)
        except Exception:
            db.session.rollback()
            log.exception("scheduler bookkeeping failed")

