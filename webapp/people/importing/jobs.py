"""The teachers' import as a background job (`webapp.imports.jobs`: thread, progress, stored upload):
its check and apply phases.

*checking* reads and checks every row (progress every 500 rows), then *checked* with a preview or
*refused* with the problems; *applying* re-checks what depends on the database and applies
everything in one transaction (all or nothing), then *applied* or *failed*. The checked rows are
kept beside the upload (.json) until the import is applied.
"""
from __future__ import annotations

import json
from datetime import date

from flask import Flask
from flask_babel import gettext as _

from ...extensions import db
from ...imports.jobs import BackgroundImport, live_progress, percent, progress_writer, wait  # noqa: F401  (pages, tests)
from ...models import User
from ...models.base import utcnow
from ..access import managed_roots, manages_user
from ..models import ImportJob
from ..subjects import subject_lookup
from .applying import apply_teachers
from .checking import Checked, Lookups, Teacher, check_against_database, check_rows, school_lookup
from .reader import LayoutError, count_rows, read_rows


def _lookups(actor: User):
    return Lookups(schools=school_lookup(managed_roots(actor)), subjects=subject_lookup(), today=date.today())


def _check(app: Flask, job_id: int) -> None:
    job = db.session.get(ImportJob, job_id)
    actor = db.session.get(User, job.created_by_id)
    data = JOB.upload_path(app, job_id).read_bytes()
    try:
        total = count_rows(data)
        job.total, job.done = total, 0
        db.session.commit()
        checked = check_rows(read_rows(data), _lookups(actor), progress_writer(app, job_id, total, durable=True))
        existing = check_against_database(checked, lambda user: manages_user(actor, user)) if not checked.problem_count else {}
    except LayoutError as error:
        _finish(job, "refused", problems=[p.as_dict() for p in error.problems])
        JOB.upload_path(app, job_id).unlink(missing_ok=True)
        return
    db.session.rollback()  # nothing read may be written by the check
    job = db.session.get(ImportJob, job_id)
    if checked.problem_count:
        _finish(job, "refused", problems=[p.as_dict() for p in checked.problems],
                summary={**(job.summary or {}), "problem_count": checked.problem_count, "rows": len(checked.teachers)})
        JOB.upload_path(app, job_id).unlink(missing_ok=True)
        return
    _save_checked(app, job_id, checked.teachers)
    existing_count = len(existing)
    preview = [{"row": t.row, "name": t.name, "school_id": t.school_id, "id_number": t.id_number[:6] + "…" + t.id_number[-4:],
                "subject": t.subject, "title": t.title, "roles": list(t.roles), "username": t.username}
               for t in checked.teachers[:50]]
    summary = {**(job.summary or {}), "rows": len(checked.teachers), "new": len(checked.teachers) - existing_count,
               "update": existing_count, "preview": preview}
    _finish(job, "checked", problems=[], summary=summary, finished=False)
    job.done = job.total = len(checked.teachers)
    db.session.commit()


def _apply(app: Flask, job_id: int) -> None:
    job = db.session.get(ImportJob, job_id)
    actor = db.session.get(User, job.created_by_id)
    password_hash = (job.summary or {}).get("password_hash")
    total = (job.summary or {}).get("rows") or 0
    db.session.commit()
    report = progress_writer(app, job_id, total, durable=False)
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
    JOB.forget_upload(app, job_id)


def _save_checked(app: Flask, job_id: int, teachers: list[Teacher]) -> None:
    """The checked rows, kept beside the upload until the import is applied."""
    # vars(), not dataclasses.asdict: asdict deep-copies every field (13 s of a 40,000-row check).
    rows = [{**vars(t), "birth_date": t.birth_date.isoformat(), "hire_date": t.hire_date.isoformat(),
             "teaching_start_date": t.teaching_start_date.isoformat()} for t in teachers]
    JOB.upload_path(app, job_id).with_suffix(".json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def _load_checked(app: Flask, job_id: int) -> list[Teacher]:
    rows = json.loads(JOB.upload_path(app, job_id).with_suffix(".json").read_text(encoding="utf-8"))
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


JOB = BackgroundImport(kind="people", file_prefix="", phases={"check": _check, "apply": _apply},
                       secret_keys=("password_hash",))
start, upload_path, keep_upload = JOB.start, JOB.upload_path, JOB.keep_upload
