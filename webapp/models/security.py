"""Login attempts (the security audit trail) and the counters behind login throttling."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class LoginEvent(db.Model):
    """One login attempt: who tried, from where, and what came of it (succeeded, failed, throttled)."""

    __tablename__ = "login_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)  # as typed (trimmed, shortened)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    address: Mapped[Optional[str]] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # succeeded | failed | throttled


class RateLimitCounter(db.Model):
    """A fixed-window counter of Flask-Limiter, kept in the app's database (`appdb://` storage).

    Every web worker sees the same counts without an extra service; `expires_epoch` is the end of
    the window in Unix seconds, as the `limits` storage interface speaks it.
    """

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_epoch: Mapped[float] = mapped_column(Float, index=True)
