"""A training cohort (培养对象), its sessions, trainees, attendance, practice records and assessment scores."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Date, Enum, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...models import ApplicationCycle, Organisation
from ...models.base import UTCDateTime, utcnow


class CohortStatus(enum.Enum):
    """Where a cohort stands (the stage its diagram is in)."""

    planning = "planning"          # the training centre enters the plan
    centralised = "centralised"    # centralised sessions (集中培训), attendance
    practice = "practice"          # decentralised practice (分散实践)
    assessment = "assessment"      # assessment summary (考核总结)
    done = "done"                  # passed / eliminated final
    cancelled = "cancelled"


class TraineeStatus(enum.Enum):
    """A trainee's place in the cohort."""

    active = "active"
    passed = "passed"
    eliminated = "eliminated"     # 淘汰, with a reason the teacher reads
    withdrawn = "withdrawn"


class AttendanceMark(enum.Enum):
    """One trainee at one session."""

    present = "present"
    late = "late"
    absent = "absent"
    leave = "leave"               # on leave (请假)


class PracticeStatus(enum.Enum):
    """A practice record between trainee and mentor."""

    submitted = "submitted"
    accepted = "accepted"
    returned = "returned"


class TrainingCohort(db.Model):
    """The training of one call's formal candidates in one county."""

    __tablename__ = "training_cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)   # the county
    review_id: Mapped[int] = mapped_column(ForeignKey("review_round.id"), unique=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("application_cycle.id"))
    level: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[CohortStatus] = mapped_column(Enum(CohortStatus, native_enum=False, length=16),
                                                 default=CohortStatus.planning)
    weights: Mapped[list] = mapped_column(JSON, default=list)        # [[component, weight %], …] summing to 100
    attendance_threshold: Mapped[float] = mapped_column(Float, default=90.0)   # % of hours
    attendance_rule: Mapped[str] = mapped_column(String(16), default="eliminate")  # eliminate | warn
    pass_line: Mapped[float] = mapped_column(Float, default=60.0)
    practice_from: Mapped[Optional[date]] = mapped_column(Date)
    practice_until: Mapped[Optional[date]] = mapped_column(Date)
    practice_outputs: Mapped[Optional[str]] = mapped_column(Text)    # required outputs, one per line
    supplement_until: Mapped[Optional[date]] = mapped_column(Date)   # the county office's window
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    office: Mapped[Organisation] = relationship()
    cycle: Mapped[ApplicationCycle] = relationship()
    sessions: Mapped[list["TrainingSession"]] = relationship(
        back_populates="cohort", order_by="TrainingSession.day, TrainingSession.id", cascade="all, delete-orphan")
    trainees: Mapped[list["Trainee"]] = relationship(
        back_populates="cohort", order_by="Trainee.id", cascade="all, delete-orphan")

    def components(self) -> list[str]:
        """Assessment components in plan order."""
        return [name for name, _weight in self.weights]

    def in_training(self) -> list["Trainee"]:
        """Trainees still in the cohort (not withdrawn or eliminated)."""
        return [t for t in self.trainees if t.status in (TraineeStatus.active, TraineeStatus.passed)]


class TrainingSession(db.Model):
    """One centralised training session (date, hours, topic)."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("training_cohort.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    topic: Mapped[str] = mapped_column(String(200))

    cohort: Mapped[TrainingCohort] = relationship(back_populates="sessions")


class Trainee(db.Model):
    """A teacher in a cohort: a formal candidate, or a supplement from the reserve list."""

    __tablename__ = "trainee"
    __table_args__ = (UniqueConstraint("cohort_id", "teacher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("training_cohort.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("review_candidate.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    subject: Mapped[str] = mapped_column(String(64))
    mentor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"), index=True)
    supplement: Mapped[bool] = mapped_column(default=False)          # joined from the reserve list
    joined_on: Mapped[date] = mapped_column(Date)
    status: Mapped[TraineeStatus] = mapped_column(Enum(TraineeStatus, native_enum=False, length=16),
                                                  default=TraineeStatus.active)
    attendance_rate: Mapped[Optional[float]] = mapped_column(Float)  # % of the hours of sessions since joining
    attendance_warning: Mapped[bool] = mapped_column(default=False)
    weighted_total: Mapped[Optional[float]] = mapped_column(Float)
    status_reason: Mapped[Optional[str]] = mapped_column(Text)       # elimination / withdrawal reason

    cohort: Mapped[TrainingCohort] = relationship(back_populates="trainees")
    teacher = relationship("User", foreign_keys=[teacher_id])
    mentor = relationship("User", foreign_keys=[mentor_id])
    school: Mapped[Organisation] = relationship(foreign_keys=[school_id])
    marks: Mapped[list["Attendance"]] = relationship(back_populates="trainee", cascade="all, delete-orphan")
    scores: Mapped[list["ComponentScore"]] = relationship(back_populates="trainee", cascade="all, delete-orphan")
    records: Mapped[list["PracticeRecord"]] = relationship(
        back_populates="trainee", order_by="PracticeRecord.id", cascade="all, delete-orphan")

    def score_map(self) -> dict[str, float]:
        return {s.component: s.score for s in self.scores}

    def mark_map(self) -> dict[int, str]:
        return {m.session_id: m.mark.value for m in self.marks}


class Attendance(db.Model):
    """A trainee's mark at one session."""

    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("trainee_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainee.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)
    mark: Mapped[AttendanceMark] = mapped_column(Enum(AttendanceMark, native_enum=False, length=16))

    trainee: Mapped[Trainee] = relationship(back_populates="marks")


class ComponentScore(db.Model):
    """A trainee's score (0–100) in one assessment component."""

    __tablename__ = "training_score"
    __table_args__ = (UniqueConstraint("trainee_id", "component"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainee.id"), index=True)
    component: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)

    trainee: Mapped[Trainee] = relationship(back_populates="scores")


class PracticeRecord(db.Model):
    """A practice output (lesson plan, report, …) a trainee submits and their mentor reviews."""

    __tablename__ = "practice_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainee.id"), index=True)
    kind: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    evidence_link: Mapped[Optional[str]] = mapped_column(String(500))
    status: Mapped[PracticeStatus] = mapped_column(Enum(PracticeStatus, native_enum=False, length=16),
                                                   default=PracticeStatus.submitted)
    mentor_comment: Mapped[Optional[str]] = mapped_column(Text)
    submitted_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    trainee: Mapped[Trainee] = relationship(back_populates="records")
