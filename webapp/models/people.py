"""People: users, the roles they hold where, and teachers' professional records."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import FetchedValue, false as sa_false, true as sa_true, JSON, Boolean, Date, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from ..extensions import db
from ..roles import Role
from .base import UTCDateTime, utcnow
from .org import Organisation


class User(UserMixin, db.Model):
    """Someone who logs in."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[Optional[str]] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    locale: Mapped[Optional[str]] = mapped_column(String(16))
    is_active_flag: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    # False: notifications stay in the app (the notification page's preference).
    notify_by_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set with a temporary password by an administrator: the next login must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # 身份证号 (18 characters, checksum verified on entry): what a re-import matches people by.
    id_number: Mapped[Optional[str]] = mapped_column(String(18), unique=True)
    # Raised by database triggers whenever this row, the user's roles, their organisations or the
    # teacher profile change (models/auth_version.py): what the per-process user cache checks on
    # every request. Never written by the ORM (server_onupdate: a flush only expires it).
    auth_version: Mapped[int] = mapped_column(Integer, server_default="0", server_onupdate=FetchedValue())

    roles: Mapped[list["RoleAssignment"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    profile: Mapped[Optional["TeacherProfile"]] = relationship(back_populates="user", uselist=False)

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        """Deactivated users cannot log in."""
        return self.is_active_flag

    def check_password(self, password: str) -> bool:
        """True if `password` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def role_scopes(self) -> list[tuple[Role, Organisation]]:
        """Every (role, organisation) pair this user acts in."""
        return [(assignment.role, assignment.organisation) for assignment in self.roles]

    def has_role(self, role: Role, within: Organisation | None = None) -> bool:
        """True if the user holds `role` at an organisation containing `within` (or anywhere)."""
        for held_role, org in self.role_scopes():
            if held_role is role and (within is None or within.is_within(org)):
                return True
        return False

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleAssignment(db.Model):
    """A user holds a role within one organisation."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)

    user: Mapped[User] = relationship(back_populates="roles")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class TeacherProfile(db.Model):
    """The professional facts that eligibility rules read."""

    __tablename__ = "teacher_profile"
    # Covering the reports' join from a title to its holder's school and subject (migration 0024).
    __table_args__ = (Index("ix_teacher_profile_user_school_subject", "user_id", "school_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    gender: Mapped[Optional[str]] = mapped_column(String(8))
    birth_date: Mapped[date] = mapped_column(Date)
    teaching_start_date: Mapped[date] = mapped_column(Date)
    # 职称: none / junior (初级, 二级) / intermediate (中级, 一级) / senior (高级) / full_senior (正高级)
    professional_title: Mapped[str] = mapped_column(String(32))
    # 学历: secondary / associate (专科) / bachelor / master / doctor
    education: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    has_teacher_qualification: Mapped[bool] = mapped_column(Boolean, default=True)
    has_it_certificate: Mapped[bool] = mapped_column(Boolean, default=False)
    open_classes_5y: Mapped[int] = mapped_column(Integer, default=0)
    papers_awarded_5y: Mapped[int] = mapped_column(Integer, default=0)
    research_projects_5y: Mapped[int] = mapped_column(Integer, default=0)
    prizes_5y: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship(back_populates="profile")
    school: Mapped[Organisation] = relationship()
    assessments: Mapped[list["AnnualAssessment"]] = relationship(
        cascade="all, delete-orphan", order_by="AnnualAssessment.year"
    )


class AnnualAssessment(db.Model):
    """One year's assessment result (年度考核): excellent / competent / basically competent / fail."""

    __tablename__ = "annual_assessment"
    __table_args__ = (UniqueConstraint("profile_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("teacher_profile.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    rating: Mapped[str] = mapped_column(String(32))


class TitleStatus:
    """The states of a title in the register (stored as these strings)."""

    active = "active"      # held, counts for eligibility, rotation and the annual review
    revoked = "revoked"    # taken away (annual review failed, misconduct), with a reason
    lapsed = "lapsed"      # the term ended without renewal (the lapse job)
    expired = "expired"    # superseded (renewed into a new title row, or a higher title replaced it)

    ALL = (active, revoked, lapsed, expired)


class TitleHolding(db.Model):
    """A title (level × category) held by a teacher: one row of the title register.

    `active` stays the one flag that eligibility, rotation and reviews read; `status` says why a
    title is no longer active. Both change only through `webapp.register`, which also writes the
    title's event history (`TitleEvent`).
    """

    __tablename__ = "title_holding"
    __table_args__ = (
        Index("ix_title_holding_status_valid_until", "status", "valid_until"),
        Index("ix_title_holding_county_level_category", "county_id", "level", "category", "status"),
        # Covering the reports' counts per holder (migration 0024).
        Index("ix_title_holding_user_status_level_category", "user_id", "status", "level", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    subject: Mapped[Optional[str]] = mapped_column(String(64))
    # The holder's organisation when the title was conferred, and the county whose register it is in.
    org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"))
    county_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"))
    certificate_no: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    conferred_on: Mapped[Optional[date]] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default=TitleStatus.active, server_default=TitleStatus.active)
    # Allowance in yuan per month, paid from `allowance_from` (the month after conferral) until
    # `allowance_until` (set when it stops: transfer, revocation, lapse); None: no allowance.
    allowance_monthly: Mapped[Optional[int]] = mapped_column(Integer)
    allowance_from: Mapped[Optional[date]] = mapped_column(Date)
    allowance_until: Mapped[Optional[date]] = mapped_column(Date)
    # How the row came in: conferral (this system), import (held from before), demo.
    source: Mapped[str] = mapped_column(String(16), default="conferral", server_default="conferral")
    status_reason: Mapped[Optional[str]] = mapped_column(String(500))

    holder: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Optional[Organisation]] = relationship(foreign_keys=[org_id])
    events: Mapped[list["TitleEvent"]] = relationship(
        back_populates="title", cascade="all, delete-orphan", order_by="TitleEvent.id"
    )

    @property
    def allowance_active(self) -> bool:
        """True while an allowance is recorded and has not stopped."""
        return self.allowance_monthly is not None and self.allowance_until is None


class TitleEventKind:
    """What can happen to a title (stored as these strings)."""

    conferred = "conferred"
    imported = "imported"
    allowance_started = "allowance_started"
    allowance_stopped = "allowance_stopped"
    revoked = "revoked"
    reinstated = "reinstated"
    transferred = "transferred"
    renewed = "renewed"
    lapsed = "lapsed"

    ALL = (conferred, imported, allowance_started, allowance_stopped, revoked, reinstated, transferred,
           renewed, lapsed)


class TitleEvent(db.Model):
    """One entry of a title's history: what happened, on which date, why and by whom."""

    __tablename__ = "title_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("title_holding.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    on_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[Optional[str]] = mapped_column(String(500))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    # The process instance that caused it (conferral, annual review, rotation), if any.
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"))
    details: Mapped[Optional[dict]] = mapped_column(JSON)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    title: Mapped[TitleHolding] = relationship(back_populates="events")


class CertificateSequence(db.Model):
    """The last certificate number used per county, year, level and category (gapless, locked on use)."""

    __tablename__ = "certificate_sequence"

    county_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
