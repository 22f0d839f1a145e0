"""Imports run in a background thread with its own app context and database session, so a sheet
of 40,000 rows does not hold a web worker; the page shows the progress and can be left.

Phases: *checking* (read and check every row; progress committed to `import_job` every 500 rows),
then *checked* with a preview, or *refused* with the problems; on the office's go, *applying*
(everything in one transaction: all or nothing), then *applied* or *failed*. While a phase runs,
progress is also kept in this process's memory: an apply on SQLite holds the only write lock, so
its progress cannot be committed beside it (on PostgreSQL it is written to the table as well).
The uploaded file is kept under INSTANCE_DIR/imports/ until the job is applied or refused.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict
from datetime import date
from pathlib import Path

from flask import Flask, current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import create_engine, update

from ...extensions import db
from ...models import User
from ...models.base import utcnow
from ..access import managed_roots, manages_user
from ..models import ImportJob
from ..subjects import subject_lookup
from .applying import apply_teachers
from .checking import Checked, Lookups, Teacher, check_against_database, check_rows, school_lookup
from .reader import LayoutError, count_rows, read_rows

log = logging.getLogger(__name__)
_LIVE: dict[tuple[int, int], tuple[int, int]] = {}  # (app id, job id) → (done, total), while running


def upload_path(app: Flask, job_id: int) -> Path:
    """Where a job's file is kept."""
    folder = Path(app.config["INSTANCE_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{job_id}.xlsx"


def live_progress(job: ImportJob) -> tuple[int, int]:
    """(done, total) of a running phase: from memory when this process runs it, else the table."""
    return _LIVE.get((id(current_app._get_current_object()), job.id), (job.done, job.total))


def start(job_id: int, phase: str) -> threading.Thread:
    """Run `phase` ('check' or 'apply') of the job in a new thread; tests join it."""
    from flask_babel import get_locale

    app = current_app._get_current_object()
    thread = threading.Thread(target=_run, args=(app, job_id, phase, str(get_locale() or "zh_Hans_CN")),
                              name=f"import-{job_id}-{phase}", daemon=True)
    app.extensions.setdefault("import_threads", {})[job_id] = thread
    thread.start()
    return thread


def wait(app: Flask, job_id: int, timeout: float = 120) -> None:
    """Wait for a job's thread (tests and the benchmark)."""
    thread = app.extensions.get("import_threads", {}).get(job_id)
    if thread is not None:
        thread.join(timeout)


def _run(app: Flask, job_id: int, phase: str, locale: str = "zh_Hans_CN") -> None:
    # A request context of its own: messages are written in the uploader's language (force_locale).
    with app.test_request_context(), force_locale(locale):
        try:
            (_check if phase == "check" else _apply)(app, job_id)
        except Exception as error:  # the page must say what happened, whatever it was
            log.exception("import job %s failed in %s", job_id, phase)
            db.session.rollback()
            job = db.session.get(ImportJob, job_id)
            job.status = "failed" if phase == "apply" else "refused"
            job.problems = [{"row": None, "column": None, "message": f"{type(error).__name__}: {error}"[:500]}]
            job.finished_dt = utcnow()
            db.session.commit()
        finally:
            _LIVE.pop((id(app), job_id), None)
            db.session.remove()


def _progress_writer(app: Flask, job_id: int, total: int, durable: bool):
    """A callback recording progress in memory and, when `durable`, in the table (own transaction)."""
    key = (id(app), job_id)
    _LIVE[key] = (0, total)
    engine = None
    if durable and db.engine.dialect.name == "postgresql":
        engine = db.engine

    def report(done: int) -> None:
        _LIVE[key] = (min(done, total), total)
        if durable:
            if engine is not None:
                with engine.begin() as connection:
                    connection.execute(update(ImportJob).where(ImportJob.id == job_id).values(done=done))
            else:
                db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(done=done))
                db.session.commit()
    return report


def _lookups(actor: User):
    return Lookups(schools=school_lookup(managed_roots(actor)), subjects=subject_lookup(), today=date.today())


def _check(app: Flask, job_id: int) -> None:
    job = db.session.get(ImportJob, job_id)
    actor = db.session.get(User, job.created_by_id)
    data = upload_path(app, job_id).read_bytes()
    try:
        total = count_rows(data)
        job.total, job.done = total, 0
        db.session.commit()
        checked = check_rows(read_rows(data), _lookups(actor), _progress_writer(app, job_id, total, durable=True))
        if not checked.problem_count:
            check_against_database(checked, lambda user: manages_user(actor, user))
    except LayoutError as error:
        _finish(job, "refused", problems=[p.as_dict() for p in error.problems])
        upload_path(app, job_id).unlink(missing_ok=True)
        return
    db.session.rollback()  # nothing read may be written by the check
    job = db.session.get(ImportJob, job_id)
    if checked.problem_count:
        _finish(job, "refused", problems=[p.as_dict() for p in checked.problems],
                summary={**(job.summary or {}), "problem_count": checked.problem_count, "rows": len(checked.teachers)})
        upload_path(app, job_id).unlink(missing_ok=True)
        return
    _save_checked(app, job_id, checked.teachers)
    existing_count = _existing_count(checked)
    preview = [{"row": t.row, "name": t.name, "school_id": t.school_id, "id_number": t.id_number[:6] + "…" + t.id_number[-4:],
                "subject": t.subject, "title": t.title, "roles": list(t.roles), "username": t.username}
               for t in checked.teachers[:50]]
    summary = {**(job.summary or {}), "rows": len(checked.teachers), "new": len(checked.teachers) - existing_count,
               "update": existing_count, "preview": preview}
    _finish(job, "checked", problems=[], summary=summary, finished=False)
    job.done = job.total = len(checked.teachers)
    db.session.commit()


def _existing_count(checked) -> int:
    from sqlalchemy import func, select

    numbers = [t.id_number for t in checked.teachers]
    return sum(db.session.scalar(select(func.count()).select_from(User).where(User.id_number.in_(numbers[i:i + 900])))
               for i in range(0, len(numbers), 900))


def _apply(app: Flask, job_id: int) -> None:
    job = db.session.get(ImportJob, job_id)
    actor = db.session.get(User, job.created_by_id)
    password_hash = (job.summary or {}).get("password_hash")
    total = (job.summary or {}).get("rows") or 0
    db.session.commit()
    report = _progress_writer(app, job_id, total, durable=False)
    # The rows as checked for the preview; what depends on the database is checked again, since it
    # may have changed meanwhile (a school deactivated, a person taken over by another import).
    checked = Checked(teachers=_load_checked(app, job_id))
    school_ids = {school.id for school in school_lookup(managed_roots(actor)).values()}
    for teacher in checked.teachers:
        if teacher.school_id not in school_ids:
            checked.fail(teacher.row, "school", _("This organisation is deactivated."))
    existing = check_against_database(checked, lambda user: manages_user(actor, user)) if not checked.problem_count else {}
    if checked.problem_count:
        db.session.rollback()
        job = db.session.get(ImportJob, job_id)
        _finish(job, "failed", problems=[p.as_dict() for p in checked.problems])
        return
    counts = apply_teachers(checked.teachers, existing, actor_id=actor.id, password_hash=password_hash,
                            reason=f"Excel import #{job_id}", progress=report)
    job = db.session.get(ImportJob, job_id)
    summary = {key: value for key, value in (job.summary or {}).items() if key != "password_hash"}
    _finish(job, "applied", summary={**summary, **counts})
    job.done = job.total = total
    db.session.commit()
    upload_path(app, job_id).unlink(missing_ok=True)
    upload_path(app, job_id).with_suffix(".json").unlink(missing_ok=True)


def _save_checked(app: Flask, job_id: int, teachers: list[Teacher]) -> None:
    """The checked rows, kept beside the upload until the import is applied."""
    rows = [{**asdict(t), "birth_date": t.birth_date.isoformat(), "hire_date": t.hire_date.isoformat(),
             "teaching_start_date": t.teaching_start_date.isoformat()} for t in teachers]
    upload_path(app, job_id).with_suffix(".json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def _load_checked(app: Flask, job_id: int) -> list[Teacher]:
    rows = json.loads(upload_path(app, job_id).with_suffix(".json").read_text(encoding="utf-8"))
    return [Teacher(**{**row, "roles": tuple(row["roles"]), "birth_date": date.fromisoformat(row["birth_date"]),
                       "hire_date": date.fromisoformat(row["hire_date"]),
                       "teaching_start_date": date.fromisoformat(row["teaching_start_date"])}) for row in rows]


def _finish(job: ImportJob, status: str, *, problems=None, summary=None, finished: bool = True) -> None:
    job.status = status
    if problems is not None:
        job.problems = problems
    if summary is not None:
        job.summary = summary
    if finished:
        job.finished_dt = utcnow()
    if status in ("refused", "failed") and job.summary and "password_hash" in job.summary:
        job.summary = {k: v for k, v in job.summary.items() if k != "password_hash"}
    db.session.commit()
