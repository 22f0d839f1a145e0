"""The notification centre: my reminders, escalations and events, newest first; mark them read; e-mail or not."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..i18n import is_english
from ..transaction import committing
from . import queries
from .event_messages import event_path
from .messages import is_serious, kind_label, notification_text

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    """The list, with what each notification is about and where to act."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    per_page = current_app.config["INBOX_PAGE_SIZE"]
    notes, total = queries.notification_page(current_user, page, per_page)
    english = is_english()
    items = [
        (note, kind_label(note.kind), notification_text(note, english), _href(note), is_serious(note))
        for note in notes
    ]
    return render_template(
        "notifications/index.html", items=items, page=page, pages=max(1, -(-total // per_page)), total=total,
        by_email=current_user.notify_by_email,
    )


@bp.post("/preferences")
@login_required
@committing
def preferences():
    """Choose e-mail and in-app, or in-app only."""
    choice = request.form.get("delivery")
    if choice not in ("email", "app"):
        flash(_("Choose how you want to be notified."), "error")
        return redirect(url_for("notifications.index"))
    queries.set_email_preference(current_user, choice == "email")
    flash(_("Notifications will also be sent by e-mail.") if choice == "email"
          else _("Notifications will stay in the app; no e-mail will be sent."), "success")
    return redirect(url_for("notifications.index"))


@bp.post("/<int:notification_id>/read")
@login_required
@committing
def read(notification_id: int):
    """Mark one of my notifications read."""
    queries.mark_read(queries.own_notification(current_user, notification_id))
    return redirect(url_for("notifications.index", page=request.form.get("page", 1, type=int)))


@bp.post("/read-all")
@login_required
@committing
def read_all():
    """Mark all my notifications read."""
    count = queries.mark_all_read(current_user)
    flash(_("%(count)d notifications marked as read.", count=count), "success")
    return redirect(url_for("notifications.index"))


def _href(note) -> str:
    """The link to where the notification asks the reader to act."""
    if note.is_event:
        return request.script_root + event_path(note)
    if note.kind.value == "escalation" or note.task.state.value != "open":
        return url_for("workflow.instance", instance_id=note.task.instance_id)
    return url_for("workflow.task", task_id=note.task_id)
