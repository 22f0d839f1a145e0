"""Notifications: one row per reminder per recipient, written before anything is delivered."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Enum, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class NotificationKind(enum.Enum):
    """Why someone is told about a step."""

    due_soon = "due_soon"
    due = "due"
    overdue = "overdue"
    escalation = "escalation"


class EmailState(enum.Enum):
    """Where the e-mail copy of a notification stands (the in-app copy exists from the start)."""

    pending = "pending"  # waiting for its first or next attempt (email_next_dt)
    sending = "sending"  # claimed by a scheduler; email_next_dt is the end of its claim
    sent = "sent"
    failed = "failed"  # gave up: too many attempts, or interrupted while sending
    skipped = "skipped"  # no SMTP, no address, or the step was done before the e-mail left


class ReminderSchedule(db.Model):
    """When the reminder scan next looks at an open step; a row exists only while one is pending.

    Kept apart from `human_task` so that rescheduling thousands of steps rewrites a narrow table
    with one index instead of the inbox table and all of its indexes.
    """

    __tablename__ = "reminder_schedule"

    task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"), primary_key=True)
    next_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Notification(db.Model):
    """A reminder or escalation for one recipient about one human task.

    The key (task, kind, sequence, recipient) is unique: whichever scheduler inserts it first
    wins, every other insert of the same key is ignored, so nothing is sent twice.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("task_id", "kind", "sequence", "user_id", name="uq_notification_key"),
        Index("ix_notification_inbox", "user_id", "read_dt", "created_dt"),
        Index("ix_notification_email", "email_state", "email_next_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[NotificationKind] = mapped_column(Enum(NotificationKind, native_enum=False, length=16))
    sequence: Mapped[int] = mapped_column(Integer)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    email_state: Mapped[EmailState] = mapped_column(
        Enum(EmailState, native_enum=False, length=16), default=EmailState.pending
    )
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_next_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    email_sent_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    email_error: Mapped[Optional[str]] = mapped_column(Text)

    task = relationship("HumanTask")
    user = relationship("User")
