"""Reading a user's notifications: the unread count for the navigation bar, and pages of the list."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import HumanTask, Notification, User, utcnow
from ..core.errors import NotFound


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (an index-only count)."""
    return int(
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_dt.is_(None))
        )
        or 0
    )


def notification_page(user: User, page: int, per_page: int) -> tuple[list[Notification], int]:
    """One page of the user's notifications, newest first, and the total."""
    total = db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id)) or 0
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .options(joinedload(Notification.task).joinedload(HumanTask.organisation))
        .order_by(Notification.created_dt.desc(), Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), int(total)


def own_notification(user: User, notification_id: int) -> Notification:
    """The user's own notification; anyone else's does not exist for them."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound(_("No such notification."))
    return note


def mark_read(note: Notification) -> None:
    """Mark one notification read (kept if it already was)."""
    if note.read_dt is None:
        note.read_dt = utcnow()
    db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; return how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_dt.is_(None))
        .values(read_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def set_email_preference(user: User, by_email: bool) -> None:
    """Whether the user's notifications also go out by e-mail (False: in the app only)."""
    user.notify_by_email = by_email
    db.session.flush()
