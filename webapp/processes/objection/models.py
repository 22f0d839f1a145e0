"""Objections raised against a school's public notice (异议), investigated confidentially."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Enum, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...models.base import UTCDateTime, utcnow
from ..school_vote.models import RoundCandidate, VoteRound


class ObjectionStatus(enum.Enum):
    """An objection is open until the school administrator upholds or dismisses it."""

    open = "open"
    upheld = "upheld"
    dismissed = "dismissed"


class Objection(db.Model):
    """An objection (异议) to a candidate on notice; the objector is known to the investigator only.

    Either to a school's notice (`round_id`, `candidate_id`) or to a review's notice, county level
    and above (`review_candidate_id`): one process, one table, the same confidentiality.
    """

    __tablename__ = "objection"
    __table_args__ = (Index("ix_objection_round_status", "round_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[Optional[int]] = mapped_column(ForeignKey("vote_round.id"))
    candidate_id: Mapped[Optional[int]] = mapped_column(ForeignKey("round_candidate.id"))
    review_candidate_id: Mapped[Optional[int]] = mapped_column(ForeignKey("review_candidate.id"), index=True)
    objector_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ObjectionStatus] = mapped_column(
        Enum(ObjectionStatus, native_enum=False, length=16), default=ObjectionStatus.open
    )
    reply: Mapped[Optional[str]] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    round: Mapped[Optional[VoteRound]] = relationship()
    candidate: Mapped[Optional[RoundCandidate]] = relationship()
    review_candidate = relationship("ReviewCandidate")
    objector = relationship("User")

    @property
    def objected(self):
        """The candidate objected to, on a school's notice or a review's."""
        return self.candidate if self.candidate_id is not None else self.review_candidate
