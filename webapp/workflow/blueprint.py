"""Pages: the inbox, a task's form, claiming, and an instance's history."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..definitions.form_sets import form_library_for_instance
from ..extensions import db
from ..models import AuditEvent, HumanTask, TaskState, User
from ..transaction import committing
from . import operations, reassignment
from ..i18n import is_english
from ..roles import OVERSEEING_ROLES
from .display import describe, with_file_names
from .outcomes import flash_outcome, outcome_after
from .permissions import can_act_on_task, can_reassign, can_release, can_view_instance, is_sysadmin
from .progress import instance_progress
from .queries import InboxFilter, inbox_page, step_choices
from ..core.errors import InstanceChanged
from .panels import render_panel
from .task_forms import current_form_data, submit_task_form, task_context

bp = Blueprint("workflow", __name__)


@bp.get("/")
@login_required
def home():
    """Everyone starts at their inbox."""
    return redirect(url_for("workflow.inbox"))


@bp.get("/inbox")
@login_required
def inbox():
    """Tasks assigned to me and tasks my roles can claim, soonest due first."""
    view = request.args.get("view", "all")
    filters = InboxFilter(
        view=view if view in {"all", "mine", "queue"} else "all",
        process=request.args.get("process") or None,
        step=request.args.get("step") or None,
        subject=(request.args.get("subject") or "").strip()[:50] or None,
    )
    page = max(1, request.args.get("page", 1, type=int) or 1)
    per_page = current_app.config["INBOX_PAGE_SIZE"]
    tasks, total = inbox_page(current_user, filters, page, per_page)
    return render_template(
        "workflow/inbox.html",
        tasks=tasks,
        total=total,
        page=page,
        pages=max(1, -(-total // per_page)),
        filters=filters,
        steps=step_choices(current_user),
    )


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id: int):
    """A task's form, prefilled with the draft or the data the process already holds.

    A step already done says who did it and when, and leads to where the process stands now.
    """
    done = db.session.get(HumanTask, task_id)
    if done is not None and done.state is TaskState.completed and can_view_instance(current_user, done.instance):
        completer = db.session.get(User, done.completed_by_id) if done.completed_by_id else None
        return render_template("workflow/task_done.html", task=done, completer=completer)
    row = operations.get_actionable_task(current_user, task_id)
    return _render_task(row, None, [])


@bp.post("/tasks/<int:task_id>")
@login_required
@committing
def submit(task_id: int):
    """Save a draft or complete the task; invalid input is shown again and nothing is stored."""
    engine = current_app.extensions["workflow_engine"]
    action = request.form.get("_action", "submit")
    row, outcome = _submit_with_retry(engine, task_id, action)
    if outcome.errors:
        db.session.rollback()
        row = db.session.get(HumanTask, task_id)
        return _render_task(row, outcome.data, outcome.errors), 422
    if action == "save":
        flash(_("Draft saved."), "success")
        return redirect(url_for("workflow.task", task_id=task_id))
    outcome = outcome_after(current_user, row)
    flash_outcome(outcome)
    return redirect(outcome.redirect or url_for("workflow.instance", instance_id=row.instance_id))


def _submit_with_retry(engine, task_id: int, action: str, attempts: int = 3):
    """Submit; if another step of the same instance was completed meanwhile, try again.

    Parallel steps (the ballots of one vote) share an instance, so two members voting at the
    same moment collide on its version. The loser's own task is still open, so its submission
    is simply replayed on the new state. A task someone else completed is refused as before.
    """
    for attempt in range(attempts):
        row = operations.get_actionable_task(current_user, task_id)
        try:
            return row, submit_task_form(engine, current_user, row, action)
        except InstanceChanged:
            if attempt == attempts - 1:
                raise
            db.session.rollback()
            for upload in request.files.values():
                upload.stream.seek(0)
    raise AssertionError("unreachable")


@bp.post("/tasks/<int:task_id>/claim")
@login_required
@committing
def claim(task_id: int):
    """Take the task from the role queue."""
    row = operations.get_actionable_task(current_user, task_id)
    operations.claim_task(current_user, row)
    flash(_("The step is now yours."), "success")
    return redirect(url_for("workflow.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
@committing
def unclaim(task_id: int):
    """Give the task back to the role queue."""
    row = operations.get_actionable_task(current_user, task_id)
    operations.unclaim_task(current_user, row)
    flash(_("The step is back in the queue."), "success")
    return redirect(url_for("workflow.inbox"))


@bp.get("/tasks/<int:task_id>/reassign")
@login_required
def reassign_form(task_id: int):
    """Overseers: hand an assigned step to someone else, with a reason."""
    row = reassignment.get_reassignable_task(current_user, task_id)
    return _render_reassign(row, reassignment.ReassignForm())


@bp.post("/tasks/<int:task_id>/reassign")
@login_required
@committing
def reassign(task_id: int):
    """Record the reassignment; a wrong choice or missing reason is shown on the form, nothing changes."""
    row = reassignment.get_reassignable_task(current_user, task_id)
    people = reassignment.candidates(row)
    entered, chosen = reassignment.read_form(row, request.form, people)
    if entered.errors:
        return _render_reassign(row, entered, people), 422
    operations.reassign_task(current_user, row, chosen, entered.reason)
    step = row.display_title(is_english())
    if chosen is None:
        flash(_("%(step)s is back in its queue.", step=step), "success")
    else:
        flash(_("%(step)s is now assigned to %(name)s.", step=step, name=chosen.display_name), "success")
    return redirect(url_for("workflow.instance", instance_id=row.instance_id))


def _render_reassign(row: HumanTask, entered, people=None):
    """The reassignment form with the people who may take the step over."""
    return render_template(
        "workflow/reassign.html", task=row, form=entered, holder=reassignment.holder_name(row),
        people=reassignment.candidates(row) if people is None else people, queue_value=reassignment.QUEUE,
    )


@bp.get("/instances/<int:instance_id>")
@login_required
def instance(instance_id: int):
    """Who, what, where it stands, what was entered at each step, and the history."""
    item = operations.get_visible_instance(current_user, instance_id)
    history = _history(item)
    progress = instance_progress(item.id, is_english())
    open_tasks = [task for step in progress for task in step.open_tasks]
    my_roles = {role for role, _org in current_user.role_scopes()}
    return render_template(
        "workflow/instance.html",
        instance=item,
        progress=progress,
        history=history,
        actionable={task.id for task in open_tasks if can_act_on_task(current_user, task)},
        reassignable={task.id for task in open_tasks if can_reassign(current_user, task)},
        oversees=bool(my_roles & OVERSEEING_ROLES),
        can_see_errors=is_sysadmin(current_user) or item.subject_user_id != current_user.id,
    )


def _history(instance) -> list:
    """The instance's audit events with the answers entered at each step, oldest first, labelled by
    the instance's own forms."""
    events = db.session.scalars(
        select(AuditEvent).filter_by(instance_id=instance.id).order_by(AuditEvent.created_dt, AuditEvent.id)
    ).all()
    library = form_library_for_instance(instance)
    described = [(event, _entries(event, library)) for event in events]
    with_file_names(instance.id, [entries for _event, entries in described])
    return described


def _entries(event: AuditEvent, library) -> list:
    """What to show under a history event: the answers entered, or who a step went to."""
    if event.action == "reassigned":
        return reassignment.history_entries(event.data)
    return describe(event.form_file, event.data, library)


def _render_task(row: HumanTask, data: dict | None, errors: list):
    """The task page: what was entered before (for a reviewer to read) and the step's form."""
    library = form_library_for_instance(row.instance)
    engine = current_app.extensions["workflow_engine"]
    context = task_context(engine, row)
    if data is None:
        data = current_form_data(engine, row, context=context)
    form_html = library.render(row.form_file, row.ui_form_file, data, errors, context) if row.form_file else None
    earlier = [(event, entries) for event, entries in _history(row.instance) if entries and event.action == "completed"]
    panel = render_panel(row, context) if row.panel else None
    return render_template(
        "workflow/task.html", task=row, form_html=form_html, errors=errors, earlier=earlier, panel=panel,
        can_release=can_release(current_user, row), multipart=bool(row.form_file) and library.takes_files(row.form_file),
    )

