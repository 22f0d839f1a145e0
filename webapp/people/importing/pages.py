"""Pages of the import: template, upload (checked at once for the container, then in the
background row by row), the job's progress, preview and problems, and the apply step."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from werkzeug.security import generate_password_hash

from ...core.errors import Conflict, NotFound
from ...extensions import db
from ...models import Organisation
from ...transaction import committing
from ..access import managed_roots, manages
from ..blueprint import bp
from ..models import ImportJob
from ..passwords import password_problem
from . import jobs
from .reader import LayoutError, check_container
from .sheet import template_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_manager() -> list[Organisation]:
    roots = managed_roots(current_user)
    if not roots:
        raise NotFound("")
    return roots


def _jobs(roots: list[Organisation]) -> list[ImportJob]:
    paths = or_(*[Organisation.path.startswith(root.path, autoescape=True) for root in roots])
    return list(db.session.scalars(select(ImportJob).join(Organisation, Organisation.id == ImportJob.org_id)
                                   .where(paths, ImportJob.kind == "people").order_by(ImportJob.id.desc()).limit(30)))


def _page(roots, status=200, **context):
    return render_template("people/imports.html", jobs=_jobs(roots), errors=context.pop("errors", {}),
                           problems=context.pop("problems", []), **context), status


@bp.get("/imports")
@login_required
def imports():
    """Upload form, template link, recent imports."""
    return _page(_require_manager())


@bp.get("/imports/template.xlsx")
@login_required
def import_template():
    """The empty template with Chinese headers."""
    _require_manager()
    return Response(template_bytes(), mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''%E6%95%99%E5%B8%88%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"})


@bp.post("/imports")
@login_required
@committing
def upload_import():
    """Refuse a bad file at once; otherwise start checking it in the background."""
    roots = _require_manager()
    errors: dict[str, str] = {}
    upload = request.files.get("file")
    password = request.form.get("initial_password") or ""
    problem = password_problem(password)
    if problem:
        errors["initial_password"] = problem
    if upload is None or not upload.filename:
        errors["file"] = _("Choose the filled template (.xlsx).")
    if errors:
        return _page(roots, 422, errors=errors)
    data = upload.stream.read(10 * 1024 * 1024 + 1)
    try:
        check_container(data)
    except LayoutError as error:
        return _page(roots, 422, errors={"file": _("The file was refused; nothing was imported.")},
                     problems=[p.as_dict() for p in error.problems])
    job = ImportJob(org_id=roots[0].id, created_by_id=current_user.id, file_name=(upload.filename or "")[:255],
                    status="checking", total=0, done=0,
                    summary={"password_hash": generate_password_hash(password)})
    db.session.add(job)
    db.session.flush()
    jobs.keep_upload(_app(), job.id, data)
    db.session.commit()
    jobs.start(job.id, "check")
    return redirect(url_for("people.import_job", job_id=job.id))


def _app():
    from flask import current_app

    return current_app._get_current_object()


def _job(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    if job is None or job.kind != "people" or not manages(current_user, job.organisation):
        raise NotFound("")
    return job


@bp.get("/imports/<int:job_id>")
@login_required
def import_job(job_id: int):
    """Progress while running (the page refreshes itself), then the preview or the problems."""
    job = _job(job_id)
    done, total = jobs.live_progress(job) if job.running else (job.done, job.total)
    schools = {}
    if job.summary and job.summary.get("preview"):
        ids = {row["school_id"] for row in job.summary["preview"]}
        schools = {org.id: org.name for org in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    return render_template("people/import_job.html", job=job, done=done, total=total,
                           percent=jobs.percent(done, total), schools=schools)


@bp.post("/imports/<int:job_id>/apply")
@login_required
@committing
def apply_import(job_id: int):
    """Apply a checked import, all or nothing, in the background."""
    job = _job(job_id)
    if job.status != "checked":
        raise Conflict(_("This import cannot be applied now (it is %(status)s).", status=job.status))
    job.status, job.done = "applying", 0
    job.total = (job.summary or {}).get("rows") or 0
    db.session.commit()
    jobs.start(job.id, "apply")
    flash(_("Applying the import…"), "info")
    return redirect(url_for("people.import_job", job_id=job.id))
