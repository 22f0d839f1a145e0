"""Apply a checked workbook: every change in the request's one transaction, or none of them."""
from __future__ import annotations

from sqlalchemy import select

from ....extensions import db
from ....models import EmploymentRecord, Position, Posting, PostingKind, StaffingNeed
from .checking import Checked


def apply(checked: Checked) -> None:
    """Upsert schools' attributes, staffing, employment records and postings (a re-import updates, never duplicates)."""
    if checked.problems:
        raise ValueError("a workbook with problems cannot be applied")
    for school, values in checked.schools:
        for name, value in values.items():
            setattr(school, name, value)
    for (school_id, subject), balance in checked.staffing:
        need = db.session.scalar(select(StaffingNeed).filter_by(school_id=school_id, subject=subject))
        if need is None:
            db.session.add(StaffingNeed(school_id=school_id, subject=subject, balance=balance))
        else:
            need.balance = balance
    for user_id, values in checked.people:
        record = db.session.scalar(select(EmploymentRecord).filter_by(user_id=user_id))
        if record is None:
            record = EmploymentRecord(user_id=user_id)
            db.session.add(record)
        for name, value in values.items():
            setattr(record, name, value)
    for (user_id, school_id, start), values in checked.postings:
        posting = db.session.scalar(select(Posting).filter_by(user_id=user_id, school_id=school_id, start_date=start))
        if posting is None:
            posting = Posting(user_id=user_id, school_id=school_id, start_date=start, kind=PostingKind.appointment)
            db.session.add(posting)
        posting.position = Position(values["position"])
        posting.end_date = values["end_date"]
        posting.personnel_moved = values["personnel_moved"]
    db.session.flush()
