"""Administrator pages: loaded processes and file errors; the scheduler's jobs, failures and e-mail queue."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..transaction import committing
from ..workflow.permissions import is_sysadmin

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_sysadmin():
    """Only system administrators may enter; others are told the page does not exist."""
    if not is_sysadmin(current_user):
        abort(404)


@bp.get("/processes")
def processes():
    """Loaded processes, and file errors with file, line and element."""
    engine = current_app.extensions["workflow_engine"]
    library = engine.library
    rows = [(pid, library.process_name(pid), library.source_file(pid)) for pid in library.process_ids()]
    form_errors = current_app.extensions["form_library"].check_all()
    return render_template("admin/processes.html", rows=rows, errors=library.errors, form_errors=form_errors)


@bp.post("/processes/reload")
def reload_processes():
    """Parse the diagrams again after they were edited; running instances keep their version."""
    errors = current_app.extensions["workflow_engine"].reload()
    if errors:
        flash(_("Reloaded with %(count)d errors.", count=len(errors)), "error")
    else:
        flash(_("Reloaded without errors."), "success")
    return redirect(url_for("admin.processes"))


@bp.get("/scheduler")
def scheduler():
    """Scheduled jobs (last and next run), recent failures, pending and failed e-mails, SMTP status."""
    from ..scheduler.status import overview

    return render_template("admin/scheduler.html", **overview())


@bp.post("/scheduler/retry-failed")
@committing
def retry_failed():
    """Queue every failed notification e-mail again."""
    from ..scheduler.status import retry_failed_emails

    flash(_("%(count)d e-mails queued again.", count=retry_failed_emails()), "success")
    return redirect(url_for("admin.scheduler"))
