"""Evidence files: stored on disk under their content digest, linked to the instances that cite them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class Evidence(db.Model):
    """One uploaded file. The id is 'sha256-<hex>' of an upload by one user (same bytes, same row)."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("digest", "uploaded_by_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(80), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvidenceLink(db.Model):
    """The instance whose form data cites an evidence file; reading the file needs access to it."""

    __tablename__ = "evidence_link"

    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True, index=True)
