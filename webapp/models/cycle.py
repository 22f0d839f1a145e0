"""A county's calls for applications (cycle × level × category): deadlines and school quotas, read by every process."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime
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

