"""School vote rounds (学校民主评议), their candidates, ballots cast and the changes to the public notice."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...models import ApplicationCycle, Organisation
from ...models.base import UTCDateTime, utcnow
from ..self_application.models import Application


class RoundStatus(enum.Enum):
    """Where a vote round stands."""

    voting = "voting"          # ballots open
    no_quorum = "no_quorum"    # closed without quorum; the administrator decides
    tie = "tie"                # a tie at the quota line waits for the administrator
    notice = "notice"          # the recommended list is on public notice
    reporting = "reporting"    # notice period over; waiting to be reported
    reported = "reported"      # the final list is with the county office
    cancelled = "cancelled"


class CandidateStatus(enum.Enum):
    """A candidate's place in a round."""

    candidate = "candidate"              # in the vote
    recommended = "recommended"          # within the quota (on notice, then reported)
    reserve = "reserve"                  # passed, below the quota line; may move up
    not_passed = "not_passed"            # fewer votes than the pass threshold
    removed = "removed"                  # removed after an upheld objection
    withdrawn = "withdrawn"              # the teacher withdrew


class VoteRound(db.Model):
    """One school's vote on its accepted applications for one cycle (level × category)."""

    __tablename__ = "vote_round"
    __table_args__ = (
        Index("ix_vote_round_cycle_school", "cycle_id", "school_id", "status"),
        Index("ix_vote_round_school_status", "school_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("application_cycle.id"))
    level: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    quota: Mapped[int] = mapped_column(Integer)
    status: Mapped[RoundStatus] = mapped_column(
        Enum(RoundStatus, native_enum=False, length=16), default=RoundStatus.voting
    )
    members: Mapped[int] = mapped_column(Integer, default=0)          # committee size at opening
    ballots_cast: Mapped[int] = mapped_column(Integer, default=0)
    ballot_deadline_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    tie_note: Mapped[Optional[str]] = mapped_column(Text)            # the administrator's tie decision
    notice_start_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    notice_end_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reported_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[Organisation] = relationship()
    cycle: Mapped[ApplicationCycle] = relationship()
    candidates: Mapped[list["RoundCandidate"]] = relationship(
        back_populates="round", order_by="RoundCandidate.id", cascade="all, delete-orphan"
    )

    @property
    def tallies_visible(self) -> bool:
        """Vote counts are shown only once the round has closed for good.

        Not while it lacks quorum either: it may reopen, and counts seen before and after an
        extension would tell how the late voters voted.
        """
        return self.status not in (RoundStatus.voting, RoundStatus.no_quorum, RoundStatus.cancelled)

    def ranked(self) -> list["RoundCandidate"]:
        """Every candidate, ranked ones first in rank order, then the rest."""
        return sorted(self.candidates, key=lambda c: (c.rank is None, c.rank or 0, c.id))

    def recommended(self) -> list["RoundCandidate"]:
        """The current recommended list, best ranked first."""
        rows = [c for c in self.candidates if c.status is CandidateStatus.recommended]
        return sorted(rows, key=lambda c: (c.rank or 0, c.id))


class RoundCandidate(db.Model):
    """An accepted application taking part in a round; votes are an anonymous count."""

    __tablename__ = "round_candidate"
    __table_args__ = (UniqueConstraint("round_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Incremented once per ballot naming the candidate; no ballot row links a voter to a name.
    votes: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[Optional[bool]]
    rank: Mapped[Optional[int]]
    status: Mapped[CandidateStatus] = mapped_column(
        Enum(CandidateStatus, native_enum=False, length=16), default=CandidateStatus.candidate
    )
    status_note: Mapped[Optional[str]] = mapped_column(Text)

    round: Mapped[VoteRound] = relationship(back_populates="candidates")
    application: Mapped[Application] = relationship()
    teacher = relationship("User")


class BallotReceipt(db.Model):
    """That a member voted in a round (not how): one per member, enforced by the database."""

    __tablename__ = "ballot_receipt"
    __table_args__ = (UniqueConstraint("round_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id"), index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


class NoticeChange(db.Model):
    """A published change to a notice's list (a removal, a promotion), shown on the notice page."""

    __tablename__ = "notice_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # removed / promoted / withdrawn
    candidate_id: Mapped[int] = mapped_column(ForeignKey("round_candidate.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidate: Mapped[RoundCandidate] = relationship()
