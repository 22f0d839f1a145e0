"""Applications for a title, and the county's application cycles (deadlines per level × category)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .org import Organisation


class ApplicationCycle(db.Model):
    """A county's call for applications: which titles are open, until when."""

    __tablename__ = "application_cycle"
    __table_args__ = (UniqueConstraint("county_id", "year", "level", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    year: Mapped[int]
    level: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    opens_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    # The county's quota for each school's recommendations: a share of the school's teacher
    # headcount ("ratio", e.g. 0.05) or a fixed number of candidates ("absolute", e.g. 2).
    quota_mode: Mapped[str] = mapped_column(String(16), default="absolute", server_default="absolute")
    quota_value: Mapped[float] = mapped_column(default=2, server_default="2")

    county: Mapped[Organisation] = relationship()

    def school_quota(self, headcount: int) -> int:
        """How many candidates a school of `headcount` teachers may recommend in this cycle."""
        if self.quota_mode == "ratio":
            # Half up, and at least one place for every school.
            return max(1, int(headcount * float(self.quota_value) + 0.5))
        return max(0, int(self.quota_value))

    def is_open(self, now: datetime | None = None) -> bool:
        """True while applications are accepted."""
        now = now or utcnow()
        return self.opens_dt <= now <= self.deadline_dt


class ApplicationStatus(enum.Enum):
    """Where an application stands; set by the process's service tasks."""

    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    ineligible = "ineligible"
    accepted = "accepted"
    withdrawn = "withdrawn"
    expired = "expired"


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
    status: Mapped[ApplicationStatus] = mapped_column(
        Enum(ApplicationStatus, native_enum=False, length=16), default=ApplicationStatus.draft
    )
    submitted_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[ApplicationCycle] = relationship()
    teacher = relationship("User")
    school: Mapped[Organisation] = relationship()
