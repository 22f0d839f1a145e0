"""Pages for teachers: my applications, apply in an open cycle, withdraw."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...core.errors import NotFound
from ...transaction import committing
from .. import teacher_candidacies, teacher_stages
from . import operations

bp = Blueprint("self_application", __name__, url_prefix="/applications", template_folder="templates")


@bp.get("/")
@login_required
def mine():
    """The teacher's applications and where each one stands, plus the calls open now."""
    operations.teacher_school(current_user)
    cycles = operations.open_cycles(current_user)
    return render_template(
        "self_application/mine.html",
        applications=operations.my_applications(current_user),
        cycles=cycles,
        renewals=operations.renewable_titles(current_user, cycles),
        stages=teacher_stages(current_app, current_user),
        candidacies=teacher_candidacies(current_app, current_user),
        my_steps=operations.my_open_steps(current_user),
    )


@bp.post("/")
@login_required
@committing
def start():
    """Open a new application in the chosen cycle and go straight to its declaration form."""
    cycle_id = request.form.get("cycle_id", type=int)
    if cycle_id is None:
        flash(_("Choose which title to apply for."), "error")
        return redirect(url_for("self_application.mine"))
    renewal_of = request.form.get("renewal_of") or None  # a title the teacher renews (续期申请)
    if renewal_of is not None:
        if not renewal_of.isdigit():
            raise NotFound(_("You hold no such title to renew in this call."))
        renewal_of = int(renewal_of)
    application = operations.start_application(current_app.extensions["workflow_engine"], current_user, cycle_id,
                                               renewal_of=renewal_of)
    first = operations.first_open_task(application)
    flash(_("Application opened. Fill in the declaration form and submit it before the deadline."), "success")
    if first is not None:
        return redirect(url_for("workflow.task", task_id=first.id))
    return redirect(url_for("workflow.instance", instance_id=application.instance_id))


@bp.post("/<int:application_id>/withdraw")
@login_required
@committing
def withdraw(application_id: int):
    """Withdraw an own application before the school acts on it."""
    reason = (request.form.get("reason") or "").strip()[:500] or None
    operations.withdraw_application(current_app.extensions["workflow_engine"], current_user, application_id, reason)
    flash(_("Your application has been withdrawn."), "success")
    return redirect(url_for("self_application.mine"))
