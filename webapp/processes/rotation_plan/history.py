"""The county office keeps the service history on pages: school attributes, staffing, a person's postings."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ...core.errors import NotFound
from ...extensions import db
from ...models import (EmploymentRecord, Organisation, Position, Posting, PostingKind, RoleAssignment, StaffingNeed,
                       User)
from .due import county_schools
from .excel.sheets import GRADES
from .validation import FieldErrors


def _missing() -> NotFound:
    return NotFound(_("This page does not exist, or you may not see it."))


def county_school(county: Organisation, school_id: int) -> Organisation:
    """A school of the county; 404 otherwise."""
    school = db.session.get(Organisation, school_id)
    if school is None or school.kind.value != "school" or not school.path.startswith(county.path):
        raise _missing()
    return school


def county_person(county: Organisation, user_id: int) -> User:
    """Someone who serves or served in the county (a posting or a role at one of its schools); 404 otherwise."""
    user = db.session.get(User, user_id)
    schools = [s.id for s in county_schools(county)]
    if user is None or not db.session.scalar(select(User.id).where(User.id == user.id, or_(
            User.id.in_(select(Posting.user_id).where(Posting.school_id.in_(schools))),
            User.id.in_(select(RoleAssignment.user_id).where(RoleAssignment.org_id.in_(schools)))))):
        raise _missing()
    return user


def staffing(school: Organisation) -> list[StaffingNeed]:
    """The school's staffing by subject."""
    return list(db.session.scalars(select(StaffingNeed).filter_by(school_id=school.id).order_by(StaffingNeed.subject)))


def school_postings(school: Organisation) -> list[Posting]:
    """Every posting at the school, current ones first."""
    return list(db.session.scalars(select(Posting).filter_by(school_id=school.id)
                                   .order_by(Posting.end_date.is_not(None), Posting.start_date.desc())))


def save_school(county: Organisation, school: Organisation, form) -> FieldErrors:
    """Urban or rural, weak, group, district, paired school."""
    errors = FieldErrors()
    rural = form.get("rural")
    if rural not in ("0", "1"):
        errors.add("rural", _("Choose urban or rural."))
    group = errors.text(form, "school_group", _("School group"), maximum=100)
    district = errors.text(form, "supervision_district", _("Supervision district"), maximum=100)
    paired_raw = (form.get("paired_school_id") or "").strip()
    paired = None
    if paired_raw:
        paired = next((s for s in county_schools(county) if str(s.id) == paired_raw), None)
        if paired is None:
            errors.add("paired_school_id", _("Choose a school of this county."))
        elif paired.id == school.id:
            errors.add("paired_school_id", _("A school cannot be paired with itself."))
    if errors:
        return errors
    school.is_rural, school.is_weak = rural == "1", form.get("weak") == "1"
    school.school_group, school.supervision_district = group or None, district or None
    school.paired_school_id = paired.id if paired else None
    db.session.flush()
    return errors


def save_staffing(school: Organisation, form, subjects: set[str]) -> FieldErrors:
    """Set one subject's shortage (+) or surplus (−)."""
    errors = FieldErrors()
    subject = (form.get("subject") or "").strip()
    if subject not in subjects:
        errors.add("subject", _("Choose a subject."))
    balance = errors.integer(form, "balance", _("Short (+) or surplus (−)"), -999, 999)
    if errors:
        return errors
    need = db.session.scalar(select(StaffingNeed).filter_by(school_id=school.id, subject=subject))
    if need is None:
        db.session.add(StaffingNeed(school_id=school.id, subject=subject, balance=balance))
    else:
        need.balance = balance
    db.session.flush()
    return errors


def add_posting(county: Organisation, person: User, form) -> FieldErrors:
    """Record a posting; refused if it ends before it starts or overlaps another appointment."""
    errors = FieldErrors()
    school = next((s for s in county_schools(county) if str(s.id) == (form.get("school_id") or "")), None)
    if school is None:
        errors.add("school_id", _("Choose a school of this county."))
    try:
        position = Position(form.get("position") or "")
    except ValueError:
        errors.add("position", _("Choose a position."))
    start = errors.date(form, "start_date", _("From"))
    end = errors.date(form, "end_date", _("To"), required=False)
    if start and end and end <= start:
        errors.add("end_date", _("The end must be after the start."))
    if errors:
        return errors
    for other in db.session.scalars(select(Posting).filter_by(user_id=person.id, kind=PostingKind.appointment)):
        if other.start_date < (end or date.max) and (other.end_date is None or start < other.end_date):
            errors.add("start_date", _("This posting overlaps another posting of the same person (from %(start)s).",
                                       start=other.start_date))
            return errors
    db.session.add(Posting(user_id=person.id, school_id=school.id, position=position, start_date=start,
                           end_date=end, personnel_moved=form.get("personnel") != "0", kind=PostingKind.appointment))
    db.session.flush()
    return errors


def save_employment(person: User, form) -> FieldErrors:
    """Hire date, title grade, subject and the intention to apply for the senior title."""
    errors = FieldErrors()
    hire = errors.date(form, "hire_date", _("Hire date"))
    grade = form.get("title_grade")
    if grade not in set(GRADES.values()):
        errors.add("title_grade", _("Choose a title grade."))
    if errors:
        return errors
    record = db.session.scalar(select(EmploymentRecord).filter_by(user_id=person.id))
    if record is None:
        record = EmploymentRecord(user_id=person.id)
        db.session.add(record)
    record.hire_date, record.title_grade = hire, grade
    record.subject = (form.get("subject") or "").strip() or record.subject
    record.plans_senior_title = form.get("plans_senior") == "1"
    db.session.flush()
    return errors
