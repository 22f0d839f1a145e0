"""A background Excel import (`import_job`): its kind, phase, progress and findings, kept for its page.

Kinds: ``people`` (webapp/people/importing) and ``title_holders`` (webapp/processes/conferral/holders_jobs.py),
both run by the shared machinery of webapp/imports/jobs.py.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class ImportJob(db.Model):
    """An Excel import run in the background: its phase, progress and findings, kept for the page."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    # people (webapp/people/importing) or title_holders (webapp/processes/conferral/holders_jobs.py)
    kind: Mapped[str] = mapped_column(String(16), default="people", server_default="people")
    # checking → checked | refused; applying → applied | failed
    status: Mapped[str] = mapped_column(String(16), default="checking")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[Optional[list]] = mapped_column(JSON)
    summary: Mapped[Optional[dict]] = mapped_column(JSON)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    organisation = relationship("Organisation")

    @property
    def running(self) -> bool:
        """True while the background thread works on it."""
        return self.status in ("checking", "applying")

    @property
    def percent(self) -> int:
        """Progress of the current phase, 0–100."""
        return 100 if not self.total else min(100, int(self.done * 100 / self.total))
