"""Excel imports run as background jobs: a thread with its own app context and database session, so
a sheet of 40,000 rows does not hold a web worker; the page shows the progress and can be left.

Each import (teachers in `webapp.people.importing.jobs`, title holders in
`webapp.processes.conferral.holders_jobs`) declares a `BackgroundImport`: its kind, the file name
of its stored upload and the function of each phase. Phases: *checking* (read and check every row)
then *checked* with a preview, or *refused* with the problems; on the office's go, *applying*
(everything in one transaction: all or nothing), then *applied* or *failed*. A phase that raises
ends the job as failed (apply) or refused (check) with the error as its one problem.

While a phase runs its progress is kept in this process's memory; a durable phase (the check) also
writes it to `import_job`, at most every `TABLE_EVERY_S` seconds, so another process sees it. An
apply on SQLite holds the only write lock, so its progress cannot be committed beside it: memory
only. The upload is kept under INSTANCE_DIR/imports/ until the job is applied or refused.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import update

from ..core.durable import write_durably
from ..extensions import db
from ..models import ImportJob
from ..models.base import utcnow

log = logging.getLogger(__name__)
TABLE_EVERY_S = 0.5  # progress written to the table at most this often (the page refreshes every 2 s)
_LIVE: dict[tuple[int, int], tuple[int, int]] = {}  # (app id, job id) → (done, total), while running


def live_progress(job: ImportJob) -> tuple[int, int]:
    """(done, total) of a running phase: from memory when this process runs it, else the table."""
    return _LIVE.get((id(current_app._get_current_object()), job.id), (job.done, job.total))


def percent(done: int, total: int) -> int:
    """Progress as the page's bar shows it, 0–100."""
    return 0 if not total else min(100, done * 100 // total)


def progress_writer(app: Flask, job_id: int, total: int, durable: bool) -> Callable[[int], None]:
    """A callback `report(done)` recording progress in memory and, when `durable`, in the table: on
    PostgreSQL in a transaction of its own, on SQLite in the job's session (committed)."""
    key = (id(app), job_id)
    _LIVE[key] = (0, total)
    engine = db.engine if durable and db.engine.dialect.name == "postgresql" else None
    written = [0.0]

    def report(done: int) -> None:
        _LIVE[key] = (min(done, total), total)
        now = time.monotonic()
        if not durable or now - written[0] < TABLE_EVERY_S:
            return
        written[0] = now
        change = update(ImportJob).where(ImportJob.id == job_id).values(done=done, total=total)
        if engine is not None:
            with engine.begin() as connection:
                connection.execute(change)
        else:
            db.session.execute(change)
            db.session.commit()
    return report


def wait(app: Flask, job_id: int, timeout: float = 120) -> None:
    """Wait for a job's thread (tests and the benchmarks), whichever import runs it."""
    thread = app.extensions.get("import_threads", {}).get(job_id)
    if thread is not None:
        thread.join(timeout)


def _error_as_problem(error: Exception):
    return {"row": None, "column": None, "message": f"{type(error).__name__}: {error}"[:500]}


@dataclass(frozen=True)
class BackgroundImport:
    """One kind of import: `phases` maps 'check' and 'apply' to `run(app, job_id)`; `problem_of`
    turns an unexpected error into the job's one problem (in the shape its page lists)."""

    kind: str
    file_prefix: str
    phases: dict[str, Callable[[Flask, int], None]]
    problem_of: Callable[[Exception], object] = _error_as_problem
    # Summary keys that must not outlive the job (the people import's initial password hash): dropped
    # whenever the job ends, an unexpected error included.
    secret_keys: tuple[str, ...] = ()

    def upload_path(self, app: Flask, job_id: int) -> Path:
        """Where a job's file is kept (the checked rows sit beside it, as .json)."""
        folder = Path(app.config["INSTANCE_DIR"]) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{self.file_prefix}{job_id}.xlsx"

    def keep_upload(self, app: Flask, job_id: int, data: bytes) -> None:
        """Store the job's file before its row commits, whole and durably (`core.durable`)."""
        write_durably(self.upload_path(app, job_id), data)

    def forget_upload(self, app: Flask, job_id: int) -> None:
        """The stored upload and its checked rows, removed once the job is over."""
        path = self.upload_path(app, job_id)
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)

    def start(self, job_id: int, phase: str) -> threading.Thread:
        """Run `phase` of the job in a new thread, in the uploader's language; tests join it (`wait`)."""
        app = current_app._get_current_object()
        thread = threading.Thread(target=self._run, args=(app, job_id, phase, str(get_locale() or "zh_Hans_CN")),
                                  name=f"{self.kind}-import-{job_id}-{phase}", daemon=True)
        app.extensions.setdefault("import_threads", {})[job_id] = thread
        thread.start()
        return thread

    def _run(self, app: Flask, job_id: int, phase: str, locale: str) -> None:
        # A request context of its own: messages are written in the uploader's language (force_locale).
        with app.test_request_context(), force_locale(locale):
            try:
                self.phases[phase](app, job_id)
            except Exception as error:  # the page must say what happened, whatever it was
                log.exception("%s import %s failed in %s", self.kind, job_id, phase)
                db.session.rollback()
                job = db.session.get(ImportJob, job_id)
                job.status = "failed" if phase == "apply" else "refused"
                job.problems = [self.problem_of(error)]
                job.finished_dt = utcnow()
                if job.summary and any(key in job.summary for key in self.secret_keys):
                    job.summary = {k: v for k, v in job.summary.items() if k not in self.secret_keys}
                db.session.commit()
            finally:
                _LIVE.pop((id(app), job_id), None)
                db.session.remove()
