"""Applications for a title (one teacher, one call); the self-application process keeps them."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...models import ApplicationCycle, Organisation
from ...models.base import UTCDateTime, utcnow


class ApplicationStatus(enum.Enum):
    """Where an application stands; set by the process's service tasks."""

    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    ineligible = "ineligible"
    accepted = "accepted"
    withdrawn = "withdrawn"
    expired = "expired"
    # A renewal (续期申请) ends at the county office: renewed, or refused there.
    renewed = "renewed"
    refused = "refused"


class Application(db.Model):
    """One teacher's application for one title in one cycle; the school vote picks these up."""

    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_pickup", "cycle_id", "school_id", "level", "category", "status"),
        Index("ix_application_school_status", "school_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("application_cycle.id"))
    level: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    subject: Mapped[Optional[str]] = mapped_column(String(64))
    # A renewal of this title (续期申请); NULL for an application for a new title.
    renewal_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("title_holding.id"))
    status: Mapped[ApplicationStatus] = mapped_column(
        Enum(ApplicationStatus, native_enum=False, length=16), default=ApplicationStatus.draft
    )
    submitted_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[ApplicationCycle] = relationship()
    teacher = relationship("User")
    school: Mapped[Organisation] = relationship()
