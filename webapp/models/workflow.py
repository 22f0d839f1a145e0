"""Process versions, running instances, the human-task table that inboxes read, and the audit trail."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import false as sa_false, JSON, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import in_language
from ..roles import Role
from .base import UTCDateTime, utcnow
from .org import Organisation


class ProcessVersion(db.Model):
    """A parsed process as it was when an instance started, stored once per content hash."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    source_file: Mapped[str] = mapped_column(String(255))
    spec_json: Mapped[str] = mapped_column(Text)
    # The BPMN file as it was (layout included), for the instance page's diagram.
    diagram_xml: Mapped[Optional[str]] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InstanceStatus(enum.Enum):
    """Life of an instance."""

    running = "running"
    completed = "completed"
    cancelled = "cancelled"
    error = "error"


class ProcessInstance(db.Model):
    """One run of a process about one subject (usually a teacher) inside one organisation."""

    __tablename__ = "process_instance"
    __table_args__ = (Index("ix_process_instance_timer", "status", "next_timer_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[InstanceStatus] = mapped_column(
        Enum(InstanceStatus, native_enum=False, length=16), default=InstanceStatus.running
    )
    subject_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[Optional[str]] = mapped_column(String(300))
    state_json: Mapped[str] = mapped_column(Text)
    next_timer_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    error_message: Mapped[Optional[str]] = mapped_column(Text)
    started_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    completed_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Confidential instances (objections) are seen by their subject and the people who act on
    # them, not by every overseer of the organisation.
    confidential: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The forms it started with (a `definition_form_set` key); None: started before forms were
    # pinned, so the forms in force for its organisation apply.
    form_set: Mapped[Optional[str]] = mapped_column(String(32))

    version: Mapped[ProcessVersion] = relationship()
    organisation: Mapped[Organisation] = relationship()

    # Optimistic locking: an UPDATE from a stale copy matches no row and raises StaleDataError.
    __mapper_args__ = {"version_id_col": lock_version}

    def display_title(self, english: bool) -> str:
        """The instance's title in the page's language (names in it stay as entered)."""
        return in_language(self.title, self.title_en, english)


class TaskState(enum.Enum):
    """A human task is open until someone completes it or the process moves past it."""

    open = "open"
    completed = "completed"
    cancelled = "cancelled"


class HumanTask(db.Model):
    """A user task as inboxes see it: a row per READY (then completed) BPMN user task."""

    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "bpmn_task_id"),
        Index("ix_human_task_queue", "state", "role", "org_id", "created_dt"),
        Index("ix_human_task_assignee", "state", "assignee_id", "created_dt"),
        Index("ix_human_task_due", "state", "due_dt"),
        # The reminder and announcement scans read only the rows with a moment set: partial
        # indexes stay as small as the work pending (migration 0025).
        Index("ix_human_task_reminder", "reminder_dt", postgresql_where=text("reminder_dt IS NOT NULL"),
              sqlite_where=text("reminder_dt IS NOT NULL")),
        Index("ix_human_task_announce", "announce_dt", "id", postgresql_where=text("announce_dt IS NOT NULL"),
              sqlite_where=text("announce_dt IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(100))
    bpmn_task_id: Mapped[str] = mapped_column(String(36))
    task_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[Optional[str]] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    subject_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    subject_name: Mapped[Optional[str]] = mapped_column(String(100))
    subject_name_en: Mapped[Optional[str]] = mapped_column(String(100))
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    # A step for one person by design (a teacher's own step, a BPMN `assignee` such as a ballot):
    # nobody else may see, claim, release or complete it; only an overseer may reassign it.
    # False for a queue step, whose `assignee_id` is whoever claimed it.
    personal: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    form_file: Mapped[Optional[str]] = mapped_column(String(200))
    ui_form_file: Mapped[Optional[str]] = mapped_column(String(200))
    instructions: Mapped[Optional[str]] = mapped_column(Text)
    instructions_en: Mapped[Optional[str]] = mapped_column(Text)
    state: Mapped[TaskState] = mapped_column(Enum(TaskState, native_enum=False, length=16), default=TaskState.open)
    draft_json: Mapped[Optional[dict]] = mapped_column(JSON)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    # A page section shown above the form (registered by name, e.g. the candidates of a ballot).
    panel: Mapped[Optional[str]] = mapped_column(String(64))
    # Secret steps (ballots): the answers go to the named handler and are never stored with the
    # task, the process data, a draft or the history.
    secret_handler: Mapped[Optional[str]] = mapped_column(String(64))

    # When the reminder scan looks at this step next (None: no reminder pending). Written with
    # the row itself, so that a new step is one INSERT (issue 19; it was a row of its own table).
    reminder_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Set while the step waits to be announced to whoever may act on it (the moment it opened);
    # the announcement scan clears it (None: announced, or never announced).
    announce_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    instance: Mapped[ProcessInstance] = relationship()
    organisation: Mapped[Organisation] = relationship()

    def display_title(self, english: bool) -> str:
        """The step's name in the page's language."""
        return in_language(self.title, self.title_en, english)

    def display_subject(self, english: bool) -> str | None:
        """What the step is about (the instance's title) in the page's language."""
        return in_language(self.subject_name, self.subject_name_en, english)

    def display_instructions(self, english: bool) -> str | None:
        """The rendered instructions in the page's language."""
        return in_language(self.instructions, self.instructions_en, english)

    def is_overdue(self, now: datetime | None = None) -> bool:
        """True if the task is open past its due time."""
        return self.state is TaskState.open and self.due_dt is not None and self.due_dt < (now or utcnow())


class AuditEvent(db.Model):
    """Who did what on an instance, with the form data they entered: the paper trail."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(32))
    task_name: Mapped[Optional[str]] = mapped_column(String(100))
    task_title: Mapped[Optional[str]] = mapped_column(String(200))
    task_title_en: Mapped[Optional[str]] = mapped_column(String(200))
    form_file: Mapped[Optional[str]] = mapped_column(String(200))
    data: Mapped[Optional[dict]] = mapped_column(JSON)
    comment: Mapped[Optional[str]] = mapped_column(Text)

    actor = relationship("User")

    def display_task_title(self, english: bool) -> str | None:
        """The step's name in the page's language (the diagram's nameEn for English)."""
        return in_language(self.task_title, self.task_title_en, english)
