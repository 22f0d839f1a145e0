"""The holders import as a background job, the way the people import runs (webapp/people/importing/jobs.py,
which this package may not import: it sits in a higher layer): `import_job` rows of kind
``title_holders``, the upload kept under INSTANCE_DIR/imports/ (``holders-<id>.xlsx``), progress in
memory and, on PostgreSQL, in the table; threads registered in ``app.extensions["import_threads"]``
(where `webapp.people.importing.jobs.wait` finds them). A province-size sheet does not hold a web
worker, and the page showing its progress can be left and opened again.

Phases as for people: *checking* (every row, progress every 500 rows) then *checked* with a preview
or *refused* with the problems; on the office's go *applying* (one transaction: all or nothing),
then *applied* or *failed*.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import date

from pathlib import Path

from flask import Flask, current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import update

from ...extensions import db
from ...models import ImportJob, Organisation
from ...models.base import utcnow
from ...register import RegisterError
from . import holders_import

KIND = "title_holders"
log = logging.getLogger(__name__)
_LIVE: dict[tuple[int, int], tuple[int, int]] = {}  # (app id, job id) → (done, total), while running


def upload_path(app: Flask, job_id: int) -> Path:
    folder = Path(app.config["INSTANCE_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"holders-{job_id}.xlsx"


def live_progress(job: ImportJob) -> tuple[int, int]:
    """(done, total) of a running phase: from memory when this process runs it, else the table."""
    return _LIVE.get((id(current_app._get_current_object()), job.id), (job.done, job.total))


def _progress_writer(app: Flask, job_id: int, total: int, durable: bool):
    """Progress in memory and, when `durable` on PostgreSQL, in the table in a transaction of its own
    (on SQLite the running phase holds the only write lock: memory only)."""
    key = (id(app), job_id)
    _LIVE[key] = (0, total)
    engine = db.engine if durable and db.engine.dialect.name == "postgresql" else None

    def report(done: int) -> None:
        _LIVE[key] = (min(done, total), total)
        if engine is not None:
            with engine.begin() as connection:
                connection.execute(update(ImportJob).where(ImportJob.id == job_id).values(done=done, total=total))
    return report


def create(county: Organisation, actor_id: int, file_name: str, data: bytes) -> ImportJob:
    """A job for the upload (the caller commits, then calls `start`)."""
    job = ImportJob(kind=KIND, org_id=county.id, created_by_id=actor_id, file_name=(file_name or "")[:255],
                    status="checking", total=0, done=0, summary={})
    db.session.add(job)
    db.session.flush()
    upload_path(current_app._get_current_object(), job.id).write_bytes(data)
    return job


def start(job_id: int, phase: str) -> threading.Thread:
    """Run `phase` ('check' or 'apply') in a new thread (registered where the tests' `wait` finds it)."""
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run, args=(app, job_id, phase, str(get_locale() or "zh_Hans_CN")),
                              name=f"holders-import-{job_id}-{phase}", daemon=True)
    app.extensions.setdefault("import_threads", {})[job_id] = thread
    thread.start()
    return thread


def job_of(county: Organisation, job_id: int) -> ImportJob | None:
    job = db.session.get(ImportJob, job_id)
    return job if job is not None and job.kind == KIND and job.org_id == county.id else None


def recent(county: Organisation) -> list[ImportJob]:
    return list(db.session.scalars(db.select(ImportJob).filter_by(kind=KIND, org_id=county.id)
                                   .order_by(ImportJob.id.desc()).limit(10)))


def _run(app: Flask, job_id: int, phase: str, locale: str) -> None:
    with app.test_request_context(), force_locale(locale):
        try:
            (_check if phase == "check" else _apply)(app, job_id)
        except Exception as error:  # the page must say what happened, whatever it was
            log.exception("holders import %s failed in %s", job_id, phase)
            db.session.rollback()
            job = db.session.get(ImportJob, job_id)
            job.status = "failed" if phase == "apply" else "refused"
            message = str(error) if isinstance(error, RegisterError) else f"{type(error).__name__}: {error}"
            job.problems = [message[:500]]
            job.finished_dt = utcnow()
            db.session.commit()
        finally:
            _LIVE.pop((id(app), job_id), None)
            db.session.remove()


def _check(app: Flask, job_id: int) -> None:
    job = db.session.get(ImportJob, job_id)
    county = db.session.get(Organisation, job.org_id)
    path = upload_path(app, job_id)
    report = None

    def progress(done: int, total: int) -> None:
        nonlocal report
        if report is None:
            report = _progress_writer(app, job_id, total, durable=True)
        report(done)

    sheet = holders_import.read(county, path.read_bytes(), progress)
    db.session.rollback()  # nothing read may be written by the check
    job = db.session.get(ImportJob, job_id)
    job.finished_dt = utcnow()
    if sheet.problems:
        job.status, job.problems = "refused", sheet.problems[:1000]
        job.summary = {"problem_count": len(sheet.problems)}
        path.unlink(missing_ok=True)
        db.session.commit()
        return
    rows = [{"number": r.number, "user_id": r.user_id, "name": r.name,
             "values": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.values.items()}}
            for r in sheet.rows]
    path.with_suffix(".json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    job.status, job.problems, job.finished_dt = "checked", [], None
    job.summary = {"rows": len(rows), "preview": rows[:50]}
    job.done = job.total = len(rows)
    db.session.commit()


def _apply(app: Flask, job_id: int) -> None:
    job = db.session.get(ImportJob, job_id)
    county = db.session.get(Organisation, job.org_id)
    actor_id, total = job.created_by_id, (job.summary or {}).get("rows") or 0
    db.session.commit()
    path = upload_path(app, job_id)
    rows = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    sheet = holders_import.HolderSheet(rows=[holders_import.HolderRow(
        row["number"], row["user_id"], row["name"],
        {**row["values"], "conferred_on": date.fromisoformat(row["values"]["conferred_on"]),
         "valid_until": date.fromisoformat(row["values"]["valid_until"])}) for row in rows])
    # The apply's progress stays in memory: on SQLite it holds the only write lock.
    count = holders_import.apply(county, sheet, actor_id, _progress_writer(app, job_id, total, durable=False))
    job = db.session.get(ImportJob, job_id)
    job.status, job.finished_dt = "applied", utcnow()
    job.summary = {"rows": total, "applied": count}
    job.done = job.total = total
    db.session.commit()
    path.unlink(missing_ok=True)
    path.with_suffix(".json").unlink(missing_ok=True)
