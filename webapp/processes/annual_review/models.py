"""The duty log, the annual reviews and their rounds, and the expiry reminders already sent."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...models import Organisation, TitleHolding, User
from ...models.base import UTCDateTime, utcnow


class DutyRecord(db.Model):
    """One activity a title holder recorded in their duty log (a demonstration class, a paper, …)."""

    __tablename__ = "duty_record"
    __table_args__ = (Index("ix_duty_record_title_year", "title_id", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("title_holding.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    school_year: Mapped[int] = mapped_column(Integer)  # the year the school year starts in
    semester: Mapped[int] = mapped_column(Integer)     # 1 (Sept–Jan) or 2 (Feb–Aug)
    duty: Mapped[str] = mapped_column(String(32))      # a duty code of workflows/annual_duties.dmn
    on_date: Mapped[date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    description: Mapped[str] = mapped_column(String(500))
    evidence: Mapped[Optional[list]] = mapped_column(JSON)  # evidence ids (sha256-…)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    title: Mapped[TitleHolding] = relationship()


class ReviewRoundState(enum.Enum):
    """A county's annual review of one school year."""

    open = "open"


class AnnualReviewRound(db.Model):
    """The county office opened the annual review of a school year (once per county and year)."""

    __tablename__ = "annual_review_round"
    __table_args__ = (UniqueConstraint("county_id", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    school_year: Mapped[int] = mapped_column(Integer)
    opened_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    opened_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviews_opened: Mapped[int] = mapped_column(Integer, default=0)

    county: Mapped[Organisation] = relationship()


class AnnualReviewStatus(enum.Enum):
    """Where one holder's review stands."""

    summary = "summary"          # the holder writes the year's summary
    confirmation = "confirmation"  # the school confirms the records (or returns them)
    returned = "returned"        # returned to the holder
    opinion = "opinion"          # research staff's opinion
    decision = "decision"        # the county office decides
    appeal_window = "appeal_window"  # failed; the holder may appeal until appeal_until
    appeal = "appeal"            # appealed; the county leader decides
    passed = "passed"            # title and allowance kept
    revoked = "revoked"          # failed (appeal rejected, or none): title revoked
    void = "void"                # the title was no longer valid when the decision came


FINAL_STATUSES = (AnnualReviewStatus.passed, AnnualReviewStatus.revoked, AnnualReviewStatus.void)


class AnnualReview(db.Model):
    """One title holder's review of one school year (its instance of annual_review.bpmn)."""

    __tablename__ = "annual_review"
    __table_args__ = (
        UniqueConstraint("title_id", "school_year"),
        Index("ix_annual_review_county_year", "county_id", "school_year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("annual_review_round.id"))
    title_id: Mapped[int] = mapped_column(ForeignKey("title_holding.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # The reviewing school: the holder's managing school when the review opened (the receiving
    # school during a rotation), never assumed to be the school of conferral.
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    school_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[AnnualReviewStatus] = mapped_column(
        Enum(AnnualReviewStatus, native_enum=False, length=16), default=AnnualReviewStatus.summary)
    summary: Mapped[Optional[str]] = mapped_column(Text)
    school_comment: Mapped[Optional[str]] = mapped_column(Text)
    opinion: Mapped[Optional[str]] = mapped_column(Text)
    tally: Mapped[Optional[dict]] = mapped_column(JSON)      # duties met / short when proposed
    proposal: Mapped[Optional[str]] = mapped_column(String(8))  # pass / fail (the rule)
    decision: Mapped[Optional[str]] = mapped_column(String(8))  # pass / fail (the office)
    decision_reason: Mapped[Optional[str]] = mapped_column(String(1000))
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    decided_on: Mapped[Optional[date]] = mapped_column(Date)
    appeal_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    appeal_text: Mapped[Optional[str]] = mapped_column(Text)
    appeal_outcome: Mapped[Optional[str]] = mapped_column(String(16))  # upheld / rejected
    appeal_reason: Mapped[Optional[str]] = mapped_column(String(1000))
    effective_on: Mapped[Optional[date]] = mapped_column(Date)  # the day the outcome took effect
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    title: Mapped[TitleHolding] = relationship()
    holder: Mapped[User] = relationship(foreign_keys=[user_id])
    school: Mapped[Organisation] = relationship(foreign_keys=[school_id])


class TitleTermNotice(db.Model):
    """An expiry reminder sent for a title (months before its end): each is sent once."""

    __tablename__ = "title_term_notice"

    title_id: Mapped[int] = mapped_column(ForeignKey("title_holding.id"), primary_key=True)
    months_before: Mapped[int] = mapped_column(Integer, primary_key=True)
    sent_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DutyReminder(db.Model):
    """A holder was checked (and told if a duty was short) before a semester's end: once per semester."""

    __tablename__ = "duty_reminder"

    title_id: Mapped[int] = mapped_column(ForeignKey("title_holding.id"), primary_key=True)
    school_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    semester: Mapped[int] = mapped_column(Integer, primary_key=True)
    sent_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
