"""People: users, the roles they hold where, and teachers' professional records."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import false as sa_false, true as sa_true, Boolean, Date, Enum, ForeignKey, Integer, String, UniqueConstraint
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


class TitleHolding(db.Model):
    """A title (level × category) held by a teacher, with its validity period."""

    __tablename__ = "title_holding"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    certificate_no: Mapped[Optional[str]] = mapped_column(String(64))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
