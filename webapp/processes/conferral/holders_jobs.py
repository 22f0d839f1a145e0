"""The holders import as a background job (`webapp.imports.jobs`: thread, progress, stored upload):
`import_job` rows of kind ``title_holders``, the upload kept as ``holders-<id>.xlsx``.

*checking* reads and checks every row (progress every 500 rows), then *checked* with a preview or
*refused* with the problems; on the office's go *applying* (one transaction: all or nothing), then
*applied* or *failed*.
"""
from __future__ import annotations

import json
from datetime import date

from flask import Flask, current_app

from ...extensions import db
from ...imports.jobs import BackgroundImport, live_progress, percent, progress_writer  # noqa: F401  (the pages)
from ...models import ImportJob, Organisation
from ...models.base import utcnow
from ...register import RegisterError
from . import holders_import

KIND = "title_holders"


def create(county: Organisation, actor_id: int, file_name: str, data: bytes) -> ImportJob:
    """A job for the upload (the caller commits, then calls `start`)."""
    job = ImportJob(kind=KIND, org_id=county.id, created_by_id=actor_id, file_name=(file_name or "")[:255],
                    status="checking", total=0, done=0, summary={})
    db.session.add(job)
    db.session.flush()
    JOB.keep_upload(current_app._get_current_object(), job.id, data)
    return job


def job_of(county: Organisation, job_id: int) -> ImportJob | None:
    job = db.session.get(ImportJob, job_id)
    return job if job is not None and job.kind == KIND and job.org_id == county.id else None


def recent(county: Organisation) -> list[ImportJob]:
    return list(db.session.scalars(db.select(ImportJob).filter_by(kind=KIND, org_id=county.id)
                                   .order_by(ImportJob.id.desc()).limit(10)))


def _check(app: Flask, job_id: int) -> None:
    job = db.session.get(ImportJob, job_id)
    county = db.session.get(Organisation, job.org_id)
    path = JOB.upload_path(app, job_id)
    report = None

    def progress(done: int, total: int) -> None:
        nonlocal report
        if report is None:
            report = progress_writer(app, job_id, total, durable=True)
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
    path = JOB.upload_path(app, job_id)
    rows = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    sheet = holders_import.HolderSheet(rows=[holders_import.HolderRow(
        row["number"], row["user_id"], row["name"],
        {**row["values"], "conferred_on": date.fromisoformat(row["values"]["conferred_on"]),
         "valid_until": date.fromisoformat(row["values"]["valid_until"])}) for row in rows])
    # The apply's progress stays in memory: on SQLite it holds the only write lock.
    count = holders_import.apply(county, sheet, actor_id, progress_writer(app, job_id, total, durable=False))
    job = db.session.get(ImportJob, job_id)
    job.status, job.finished_dt = "applied", utcnow()
    job.summary = {"rows": total, "applied": count}
    job.done = job.total = total
    db.session.commit()
    JOB.forget_upload(app, job_id)


def _problem_of(error: Exception) -> str:
    """An unexpected error as the job's one problem: the register's refusal as it words it."""
    return (str(error) if isinstance(error, RegisterError) else f"{type(error).__name__}: {error}")[:500]


JOB = BackgroundImport(kind="holders", file_prefix="holders-", phases={"check": _check, "apply": _apply},
                       problem_of=_problem_of)
start = JOB.start
