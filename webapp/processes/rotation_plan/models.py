"""The annual rotation plan (交流轮岗计划): quotas, due lists, volunteers, nominations, rotations, responses."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...models import Organisation
from ...models.base import UTCDateTime, utcnow

# The five forms of teacher exchange in the Banan model (seed 003), in the order the office reads them.
FORMS = ("support", "exchange", "secondment", "group", "district")


class PlanStatus(enum.Enum):
    """Where the year's plan stands."""

    quotas = "quotas"            # the county office sets quotas (the due lists are ready)
    nominating = "nominating"    # schools nominate from their due lists and volunteers
    matching = "matching"        # the county office matches nominees to receiving schools
    confirming = "confirming"    # sending and receiving schools confirm or raise problems
    approval = "approval"        # every school confirmed; the county office approves
    published = "published"      # approved and published; rotations start on the start date
    running = "running"          # teachers are at their receiving schools
    finished = "finished"        # everyone has returned (or moved for good)


class NominationStatus(enum.Enum):
    """A due or volunteering person's place in the school's answer."""

    nominated = "nominated"
    exempted = "exempted"        # due, but not sent this year; the reason is recorded


class RotationStatus(enum.Enum):
    """A matched placement."""

    planned = "planned"
    active = "active"
    completed = "completed"


class RotationPlan(db.Model):
    """One county's rotation plan for one year, run by a `rotation_plan` process instance."""

    __tablename__ = "rotation_plan"
    __table_args__ = (UniqueConstraint("county_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[PlanStatus] = mapped_column(Enum(PlanStatus, native_enum=False, length=16),
                                               default=PlanStatus.quotas)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    nomination_deadline: Mapped[date] = mapped_column(Date)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    # Bumped by every change to the matching, so schools confirm what they actually see.
    matching_revision: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    approved_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    county: Mapped[Organisation] = relationship()
    quotas: Mapped[list["PlanQuota"]] = relationship(back_populates="plan", cascade="all, delete-orphan")


class PlanQuota(db.Model):
    """How many teachers a school sends and may receive in one form this year."""

    __tablename__ = "rotation_quota"
    __table_args__ = (UniqueConstraint("plan_id", "school_id", "form"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rotation_plan.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    form: Mapped[str] = mapped_column(String(16))
    sends: Mapped[int] = mapped_column(Integer, default=0)
    receives: Mapped[int] = mapped_column(Integer, default=0)

    plan: Mapped[RotationPlan] = relationship(back_populates="quotas")
    school: Mapped[Organisation] = relationship()


class DueEntry(db.Model):
    """A person on this year's due list, with the rule that put them there and why, in both languages."""

    __tablename__ = "rotation_due"
    __table_args__ = (
        UniqueConstraint("plan_id", "user_id", "rule"),
        Index("ix_rotation_due_plan_school", "plan_id", "school_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rotation_plan.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    rule: Mapped[str] = mapped_column(String(32))
    form: Mapped[str] = mapped_column(String(16), default="")
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)

    user = relationship("User")
    school: Mapped[Organisation] = relationship()

    def reason(self, english: bool) -> str:
        """Why this person is due, in the page's language."""
        return self.reason_en if english else self.reason_zh


class Volunteer(db.Model):
    """A teacher offers to rotate this year, with the form and up to three schools they prefer."""

    __tablename__ = "rotation_volunteer"
    __table_args__ = (UniqueConstraint("plan_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rotation_plan.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    form: Mapped[str] = mapped_column(String(16), default="")
    preferences: Mapped[list] = mapped_column(JSON, default=list)  # school ids, first choice first
    note: Mapped[Optional[str]] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")


class Nomination(db.Model):
    """The sending school's answer for one person: nominated in a form, or exempted with a reason."""

    __tablename__ = "rotation_nomination"
    __table_args__ = (UniqueConstraint("plan_id", "user_id"), Index("ix_rotation_nomination_plan_school", "plan_id", "school_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rotation_plan.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[NominationStatus] = mapped_column(Enum(NominationStatus, native_enum=False, length=16))
    form: Mapped[str] = mapped_column(String(16), default="")
    source: Mapped[str] = mapped_column(String(16))  # due / volunteer
    preferences: Mapped[list] = mapped_column(JSON, default=list)
    exemption_reason: Mapped[Optional[str]] = mapped_column(Text)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    school: Mapped[Organisation] = relationship()


class Rotation(db.Model):
    """A nominee placed at a receiving school for the plan's period; the match explains itself."""

    __tablename__ = "rotation"
    __table_args__ = (Index("ix_rotation_user_dates", "user_id", "start_date"), Index("ix_rotation_plan", "plan_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rotation_plan.id"))
    nomination_id: Mapped[int] = mapped_column(ForeignKey("rotation_nomination.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    form: Mapped[str] = mapped_column(String(16))
    sending_school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    receiving_school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    personnel_moved: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[RotationStatus] = mapped_column(Enum(RotationStatus, native_enum=False, length=16),
                                                   default=RotationStatus.planned)
    # [[code, {params}], …]: why the solver (or the office) chose this school, rendered per language.
    explanation: Mapped[list] = mapped_column(JSON, default=list)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    # The roles that went with the person at the start (["teacher", "school_admin"]), moved back at the end.
    moved_roles: Mapped[Optional[list]] = mapped_column(JSON)

    user = relationship("User")
    nomination: Mapped[Nomination] = relationship()
    sending_school: Mapped[Organisation] = relationship(foreign_keys=[sending_school_id])
    receiving_school: Mapped[Optional[Organisation]] = relationship(foreign_keys=[receiving_school_id])


class SchoolResponse(db.Model):
    """A school's answer to the matching it was shown: confirmed, or a problem for the office."""

    __tablename__ = "rotation_response"
    __table_args__ = (Index("ix_rotation_response_plan_school", "plan_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rotation_plan.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # What the school saw (its rotations, out and in): a later change asks the school again.
    fingerprint: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))  # confirmed / problem
    problem: Mapped[Optional[str]] = mapped_column(Text)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[Organisation] = relationship()
    user = relationship("User")


class ServiceImport(db.Model):
    """An uploaded service-history workbook: checked and previewed, then applied whole or not at all."""

    __tablename__ = "service_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filename: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="previewed")  # previewed / applied
    summary: Mapped[Optional[dict]] = mapped_column(JSON)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_dt: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class Pairing(db.Model):
    """对口帮扶: a famous or backbone teacher paired with teachers of a weak or rural school for a period."""

    __tablename__ = "rotation_pairing"
    __table_args__ = (Index("ix_rotation_pairing_mentor_dates", "mentor_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # The mentor's school when paired, and the weak or rural school whose teachers are helped.
    mentor_school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    partner_school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    note: Mapped[Optional[str]] = mapped_column(Text)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentor = relationship("User", foreign_keys=[mentor_id])
    mentor_school: Mapped[Organisation] = relationship(foreign_keys=[mentor_school_id])
    partner_school: Mapped[Organisation] = relationship(foreign_keys=[partner_school_id])
    members: Mapped[list["PairingMember"]] = relationship(back_populates="pairing", cascade="all, delete-orphan",
                                                         order_by="PairingMember.id")
    activities: Mapped[list["PairingActivity"]] = relationship(
        back_populates="pairing", cascade="all, delete-orphan",
        order_by=lambda: [PairingActivity.on_date.desc(), PairingActivity.id.desc()])

    def member_ids(self) -> set[int]:
        """The helped teachers' user ids."""
        return {m.user_id for m in self.members}


class PairingMember(db.Model):
    """A teacher of the partner school in a pairing (徒弟 / 结对教师)."""

    __tablename__ = "rotation_pairing_member"
    __table_args__ = (UniqueConstraint("pairing_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("rotation_pairing.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)

    pairing: Mapped[Pairing] = relationship(back_populates="members")
    user = relationship("User")


class PairingActivity(db.Model):
    """A joint activity of a pairing (a demonstration class, a lesson review, …), recorded by either side."""

    __tablename__ = "rotation_pairing_activity"
    __table_args__ = (Index("ix_rotation_pairing_activity_pairing_date", "pairing_id", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("rotation_pairing.id"))
    kind: Mapped[str] = mapped_column(String(32))
    on_date: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    # User ids of the pairing's teachers who took part (the mentor always does).
    participants: Mapped[list] = mapped_column(JSON, default=list)
    # Evidence ids (sha256-…) of the files attached; readable by whoever may see the pairing.
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pairing: Mapped[Pairing] = relationship(back_populates="activities")
    recorded_by = relationship("User")
