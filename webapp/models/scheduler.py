"""What the scheduler did: one row per job (last and next run, and the SQLite lease), and failures."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class SchedulerJob(db.Model):
    """A scheduled job as every scheduler process sees it, so the admin page can show it.

    On SQLite the row doubles as a short lease: a scheduler runs the job only while it holds it.
    """

    __tablename__ = "scheduler_job"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    last_started_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_finished_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_status: Mapped[Optional[str]] = mapped_column(String(16))  # ok | failed | skipped
    last_items: Mapped[Optional[int]] = mapped_column(Integer)
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    last_runner: Mapped[Optional[str]] = mapped_column(String(200))
    next_run_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    lease_holder: Mapped[Optional[str]] = mapped_column(String(200))
    lease_expires_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class SchedulerFailure(db.Model):
    """A failed job run or work item, with enough context to find what went wrong."""

    __tablename__ = "scheduler_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    occurred_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    context: Mapped[Optional[str]] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(Text)
    runner: Mapped[Optional[str]] = mapped_column(String(200))
