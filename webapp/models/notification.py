"""Notifications: one row per reminder per recipient, written before anything is delivered."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class NotificationKind(enum.Enum):
    """Why someone is told: a reminder about a step, or an event of a process (names ≤ 16 characters)."""

    due_soon = "due_soon"
    due = "due"
    overdue = "overdue"
    escalation = "escalation"
    # Events (workflows/events.json switches each one on or off).
    new_tasks = "new_tasks"              # steps newly assigned to or claimable by the reader (a digest)
    returned = "returned"                # an application returned for correction
    ineligible = "ineligible"            # an application refused by the eligibility check
    ballot_issued = "ballot_issued"
    objection_reply = "objection_reply"  # an objection answered
    list_reported = "list_reported"      # a school's list reported to the county
    recommended = "recommended"
    not_recommended = "not_recommended"
    removed = "removed"                  # removed from a recommended list after an objection
    title_notice = "title_notice"        # a title's annual review, expiry, lapse or transfer (message in params)
    report_due = "report_due"            # a school's list not reported as the deadline nears (or no list at all)
    deactivated = "deactivated"          # a user deactivated: their open steps went back to the queues
    training_notice = "training_notice"  # a trainee eliminated (with the reason) or joined from the reserves
    conferred = "conferred"              # a title conferred: the holder's certificate to print


REMINDER_KINDS = frozenset({NotificationKind.due_soon, NotificationKind.due, NotificationKind.overdue,
                            NotificationKind.escalation})


class EmailState(enum.Enum):
    """Where the e-mail copy of a notification stands (the in-app copy exists from the start)."""

    pending = "pending"  # waiting for its first or next attempt (email_next_dt)
    sending = "sending"  # claimed by a scheduler; email_next_dt is the end of its claim
    sent = "sent"
    failed = "failed"  # gave up: too many attempts, or interrupted while sending
    skipped = "skipped"  # no SMTP, no address, or the step was done before the e-mail left


class Notification(db.Model):
    """A reminder or escalation about one human task, or an event of a process, for one recipient.

    A reminder's key (task, kind, sequence, recipient) is unique: whichever scheduler inserts it
    first wins, every other insert of the same key is ignored, so nothing is sent twice. An event
    has no task (or its own key): (kind, event key, recipient) is unique instead.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("task_id", "kind", "sequence", "user_id", name="uq_notification_key"),
        UniqueConstraint("kind", "event_key", "user_id", name="uq_notification_event"),
        Index("ix_notification_inbox", "user_id", "read_dt", "created_dt"),
        Index("ix_notification_email", "email_state", "email_next_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("human_task.id"))
    # Events: the instance they are about, what the message needs, and the key that makes them once.
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"))
    params: Mapped[Optional[dict]] = mapped_column(JSON)
    event_key: Mapped[Optional[str]] = mapped_column(String(120))
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
    instance = relationship("ProcessInstance")
    user = relationship("User")

    @property
    def is_event(self) -> bool:
        """True for a process event, False for a reminder about a step."""
        return self.kind not in REMINDER_KINDS
