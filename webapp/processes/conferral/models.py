"""A conferral of one training cohort's passed trainees, and the titles it entered in the register."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Date, Enum, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...models import Organisation
from ...models.base import UTCDateTime, utcnow


class ConferralStatus(enum.Enum):
    proposing = "proposing"     # the office proposes (again, after a return)
    approval = "approval"       # the leading group decides
    conferred = "conferred"     # titles in the register, list published


class Conferral(db.Model):
    """The conferral of one cohort (one per cohort)."""

    __tablename__ = "conferral"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("training_cohort.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    level: Mapped[str]
    category: Mapped[str]
    status: Mapped[ConferralStatus] = mapped_column(Enum(ConferralStatus, native_enum=False, length=16),
                                                    default=ConferralStatus.proposing)
    rules: Mapped[Optional[dict]] = mapped_column(JSON)         # term_years, allowance_monthly, certificate_format
    return_comment: Mapped[Optional[str]] = mapped_column(Text)
    conferred_on: Mapped[Optional[date]] = mapped_column(Date)
    opened_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    office: Mapped[Organisation] = relationship()
    entries: Mapped[list["ConferralEntry"]] = relationship(
        back_populates="conferral", order_by="ConferralEntry.id", cascade="all, delete-orphan")


class ConferralEntry(db.Model):
    """A passed trainee on the list, and the title the conferral gave them."""

    __tablename__ = "conferral_entry"
    __table_args__ = (UniqueConstraint("conferral_id", "trainee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conferral_id: Mapped[int] = mapped_column(ForeignKey("conferral.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainee.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    title_id: Mapped[Optional[int]] = mapped_column(ForeignKey("title_holding.id"))

    conferral: Mapped[Conferral] = relationship(back_populates="entries")
    trainee = relationship("Trainee")
    user = relationship("User")
    title = relationship("TitleHolding")
