"""Tables of the administration of organisations and people: the audit of role grants, import
jobs with their progress, and API tokens."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models.base import UTCDateTime, utcnow
from ..models.import_job import ImportJob  # noqa: F401  (moved to webapp.models: title-holder imports use it too)
from ..roles import Role


class RoleGrantEvent(db.Model):
    """A role granted or revoked at an organisation: who did it, when and why (append-only)."""

    __tablename__ = "role_grant_event"
    __table_args__ = (Index("ix_role_grant_event_user", "user_id", "created_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    action: Mapped[str] = mapped_column(String(16))  # grant | revoke | deactivate | activate
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User", foreign_keys=[actor_id])
    organisation = relationship("Organisation")


class ApiToken(db.Model):
    """A per-user token for the JSON API; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_used_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
