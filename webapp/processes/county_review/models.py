"""Competitive reviews (差额评审) of a call at one level, their candidates, expert assignments and scores.

`review_candidate` is the result table later processes read (see the package docstring).
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Enum, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...models import ApplicationCycle, Organisation
from ...models.base import UTCDateTime, utcnow


class ReviewStatus(enum.Enum):
    """Where a review stands (the stage its diagram is in)."""

    materials = "materials"      # materials check (资格复审)
    opinions = "opinions"        # research-staff opinions
    assigning = "assigning"      # the office confirms the expert panels
    scoring = "scoring"          # experts score
    selection = "selection"      # ranking, 差额 check, ties, proposal
    approval = "approval"        # the leading group approves
    notice = "notice"            # county public notice
    done = "done"                # final: formal candidates and reserve list
    cancelled = "cancelled"


class ReviewCandidateStatus(enum.Enum):
    """A candidate's place in the review; the last four are final once the review is done."""

    pending = "pending"              # in the pool, materials not yet checked
    returned = "returned"            # returned to the school for missing material
    supplemented = "supplemented"    # the school supplemented; the office checks again
    accepted = "accepted"            # materials in order: goes to opinions and scoring
    formal = "formal"                # formal candidate (正式候选人), by score or fast track
    reserve = "reserve"              # scored, below the line: the reserve list in rank order
    not_selected = "not_selected"    # scored, neither formal nor reserve
    rejected = "rejected"            # rejected at the materials check (reason for the teacher)
    withdrawn = "withdrawn"          # the teacher withdrew
    removed = "removed"              # removed from the notice after an objection was upheld


# Candidates still in the running (materials checked and accepted, or about to be ranked).
IN_REVIEW = (ReviewCandidateStatus.accepted, ReviewCandidateStatus.formal, ReviewCandidateStatus.reserve,
             ReviewCandidateStatus.not_selected)


class ReviewRound(db.Model):
    """One competitive review of a call (cycle × level × category) by one office (county, city, …)."""

    __tablename__ = "review_round"
    __table_args__ = (Index("ix_review_round_office_cycle", "office_id", "cycle_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("application_cycle.id"))
    level: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[ReviewStatus] = mapped_column(
        Enum(ReviewStatus, native_enum=False, length=16), default=ReviewStatus.materials
    )
    places_mode: Mapped[str] = mapped_column(String(16))              # "ratio" of headcount or "absolute"
    places_value: Mapped[float] = mapped_column(Float)
    places: Mapped[int] = mapped_column(Integer)                      # places now (the office may lower them)
    rubric: Mapped[list] = mapped_column(JSON, default=list)           # [[criterion, max points], …]
    margin_note: Mapped[Optional[str]] = mapped_column(Text)          # why it proceeded without enough 差额
    tie_note: Mapped[Optional[str]] = mapped_column(Text)             # the office's tie decision
    leader_comment: Mapped[Optional[str]] = mapped_column(Text)
    notice_start_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    notice_end_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    result_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    office: Mapped[Organisation] = relationship()
    cycle: Mapped[ApplicationCycle] = relationship()
    candidates: Mapped[list["ReviewCandidate"]] = relationship(
        back_populates="review", order_by="ReviewCandidate.id", cascade="all, delete-orphan"
    )

    def ranked(self) -> list["ReviewCandidate"]:
        """Every candidate, ranked ones first in rank order, then the rest by id."""
        return sorted(self.candidates, key=lambda c: (c.rank is None, c.rank or 0, c.id))

    def with_status(self, *statuses: ReviewCandidateStatus) -> list["ReviewCandidate"]:
        """Candidates in one of the statuses, in rank order."""
        return [c for c in self.ranked() if c.status in statuses]


class ReviewCandidate(db.Model):
    """A teacher in a review's pool; after the review, formal / reserve / not selected / rejected."""

    __tablename__ = "review_candidate"
    __table_args__ = (
        UniqueConstraint("review_id", "teacher_id"),
        Index("ix_review_candidate_result", "cycle_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review_round.id"), index=True)
    # Copied from the review so that readers of the result need no join.
    cycle_id: Mapped[int] = mapped_column(ForeignKey("application_cycle.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    level: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    # Where the candidate came from: a school's recommendation (county level) or a title (higher levels).
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int] = mapped_column(Integer)
    application_id: Mapped[Optional[int]] = mapped_column(ForeignKey("application.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    subject: Mapped[str] = mapped_column(String(64))
    claims_fast_track: Mapped[bool] = mapped_column(default=False)   # declared a first prize (优质课一等奖)
    fast_track: Mapped[bool] = mapped_column(default=False)          # verified at the materials check
    status: Mapped[ReviewCandidateStatus] = mapped_column(
        Enum(ReviewCandidateStatus, native_enum=False, length=16), default=ReviewCandidateStatus.pending
    )
    materials_note: Mapped[Optional[str]] = mapped_column(Text)      # rejection reason / what to supplement
    supplement_due_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    supplement_note: Mapped[Optional[str]] = mapped_column(Text)     # the school's explanation
    opinion: Mapped[Optional[str]] = mapped_column(String(16))       # recommend / neutral / not_recommend
    opinion_comment: Mapped[Optional[str]] = mapped_column(Text)
    opinion_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    final_score: Mapped[Optional[float]] = mapped_column(Float)
    rank: Mapped[Optional[int]]

    review: Mapped[ReviewRound] = relationship(back_populates="candidates")
    teacher = relationship("User", foreign_keys=[teacher_id])
    school: Mapped[Organisation] = relationship(foreign_keys=[school_id])
    application = relationship("Application")
    assignments: Mapped[list["ExpertAssignment"]] = relationship(
        back_populates="candidate", order_by="ExpertAssignment.id", cascade="all, delete-orphan"
    )


class ExpertAssignment(db.Model):
    """An expert scores a candidate: one row per pair, the score sheet filled in once."""

    __tablename__ = "expert_assignment"
    __table_args__ = (
        UniqueConstraint("candidate_id", "expert_id"),
        Index("ix_expert_assignment_review_expert", "review_id", "expert_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review_round.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("review_candidate.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    scores: Mapped[Optional[dict]] = mapped_column(JSON)            # criterion → points
    total: Mapped[Optional[float]] = mapped_column(Float)
    scored_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    candidate: Mapped[ReviewCandidate] = relationship(back_populates="assignments")
    expert = relationship("User")


class StaffSubject(db.Model):
    """The subject a research staff member or an expert serves in their organisation (学科)."""

    __tablename__ = "staff_subject"
    __table_args__ = (UniqueConstraint("user_id", "org_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    subject: Mapped[str] = mapped_column(String(64))


class ReviewEvent(db.Model):
    """The review's own paper trail of per-candidate decisions, read by the office and the leading group.

    Kept apart from the instance's history, which experts and research staff may read: it names
    candidates they are not assigned to.
    """

    __tablename__ = "review_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review_round.id"), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(32))                     # a key of labels.EVENTS
    candidate_id: Mapped[Optional[int]] = mapped_column(ForeignKey("review_candidate.id"))
    comment: Mapped[Optional[str]] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")
    candidate: Mapped[Optional[ReviewCandidate]] = relationship()


class ReviewOpening(db.Model):
    """The review of a call opens itself at the schools' reporting deadline, with the places set here.

    `workflows/review_opening.bpmn` waits for `remind_dt` (schools that have not reported are
    reminded, once) and for `report_deadline_dt` (the review opens, once); `outcome` says what
    happened then: ``opened``, ``already`` (the office had opened it by hand) or ``empty`` (no list).
    """

    __tablename__ = "review_opening"
    __table_args__ = (UniqueConstraint("office_id", "cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("application_cycle.id"))
    report_deadline_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    places_mode: Mapped[str] = mapped_column(String(16))
    places_value: Mapped[float] = mapped_column(Float)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    set_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    reminded_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reminded_count: Mapped[Optional[int]]
    opened_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    outcome: Mapped[Optional[str]] = mapped_column(String(16))
    review_id: Mapped[Optional[int]] = mapped_column(ForeignKey("review_round.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    office: Mapped[Organisation] = relationship()
    cycle: Mapped[ApplicationCycle] = relationship()
    set_by = relationship("User")
