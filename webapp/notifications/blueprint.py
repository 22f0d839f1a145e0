"""The notification centre: my reminders and escalations, newest first; mark them read."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..i18n import is_english
from ..transaction import committing
from . import queries
from .messages import kind_label, notification_text, target

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
        (note, kind_label(note.kind), notification_text(note, english), _url_for_target(note))
        for note in notes
    ]
    return render_template(
        "notifications/index.html", items=items, page=page, pages=max(1, -(-total // per_page)), total=total
    )


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


def _url_for_target(note) -> str:
    """The link to where the notification asks the reader to act."""
    endpoint, values = target(note)
    return url_for(endpoint, **values)
