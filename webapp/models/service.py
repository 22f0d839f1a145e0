"""Service history (任职经历): postings, employment facts and schools' staffing, read by every process
that asks where someone has served (rotation due lists, title rules, the career record)."""
from __future__ import annotations

import enum
from datetime import date
from typing import Optional

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .org import Organisation


class Position(enum.Enum):
    """The post held at a school."""

    teacher = "teacher"
    vice_principal = "vice_principal"
    principal = "principal"


class PostingKind(enum.Enum):
    """How the posting came about: an appointment, or a rotation (交流轮岗) away from it."""

    appointment = "appointment"
    rotation = "rotation"


class Posting(db.Model):
    """A period in which a person served at a school in a position (end empty: still there)."""

    __tablename__ = "posting"
    __table_args__ = (
        # One posting per person, school and start: what an import row updates instead of duplicating.
        UniqueConstraint("user_id", "school_id", "start_date"),
        Index("ix_posting_user_start", "user_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    position: Mapped[Position] = mapped_column(Enum(Position, native_enum=False, length=16))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[Optional[date]] = mapped_column(Date)
    # Whether the personnel relationship (人事关系) is at this school; most rotations keep it at home.
    personnel_moved: Mapped[bool] = mapped_column(Boolean, default=True)
    kind: Mapped[PostingKind] = mapped_column(Enum(PostingKind, native_enum=False, length=16),
                                              default=PostingKind.appointment)

    school: Mapped[Organisation] = relationship()
    user = relationship("User")

    def covers(self, on: date) -> bool:
        """True if the posting runs on `on`."""
        return self.start_date <= on and (self.end_date is None or on < self.end_date)


class EmploymentRecord(db.Model):
    """Facts of a person's employment in the county system: hire date, title grade, plans."""

    __tablename__ = "employment_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    hire_date: Mapped[date] = mapped_column(Date)
    # 职称等级: junior (初级) / intermediate (中级) / senior (高级)
    title_grade: Mapped[str] = mapped_column(String(16))
    subject: Mapped[Optional[str]] = mapped_column(String(64))
    # Declared intention to apply for the senior title (申报高级职称), which needs exchange service.
    plans_senior_title: Mapped[bool] = mapped_column(Boolean, default=False)

    user = relationship("User")


class StaffingNeed(db.Model):
    """A school's staffing by subject: positive = short of teachers (缺编), negative = surplus (超编)."""

    __tablename__ = "staffing_need"
    __table_args__ = (UniqueConstraint("school_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    subject: Mapped[str] = mapped_column(String(64))
    balance: Mapped[int] = mapped_column(Integer, default=0)

    school: Mapped[Organisation] = relationship()
