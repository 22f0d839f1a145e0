"""Check every row of a read workbook against the county's data; each problem names sheet, row and column.

The result either lists problems (and nothing is applied) or holds every change, ready to apply whole.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _

from ....i18n import is_english
from sqlalchemy import select

from ....extensions import db
from ....models import EmploymentRecord, Organisation, Posting, PostingKind, StaffingNeed, User
from ...self_application.labels import DECLARATION_FORM
from ..due import county_schools
from .reader import Cell, Problem
from .sheets import GRADES, NO, PEOPLE, POSITIONS, POSTINGS, RURAL, SCHOOLS, STAFFING, YES



@dataclass
class Checked:
    """Problems, or the changes per sheet: (key, values) rows to upsert."""

    problems: list[Problem] = field(default_factory=list)
    schools: list[tuple[Organisation, dict]] = field(default_factory=list)
    staffing: list[tuple[tuple[int, str], int]] = field(default_factory=list)
    people: list[tuple[int, dict]] = field(default_factory=list)
    postings: list[tuple[tuple[int, int, date], dict]] = field(default_factory=list)


class _Rows:
    """Helpers that turn cells into values, recording a problem at the cell when they cannot."""

    def __init__(self, checked: Checked, sheet_title: str):
        self.checked, self.sheet = checked, sheet_title

    def fail(self, cell: Cell, message: str) -> None:
        self.checked.problems.append(Problem(self.sheet, cell.row, cell.column, message))

    def text(self, cell: Cell, required: bool) -> str | None:
        value = "" if cell.value is None else str(cell.value).strip()
        if not value:
            if required:
                self.fail(cell, _("This cell must be filled."))
            return None
        if len(value) > 100:
            self.fail(cell, _("At most 100 characters."))
            return None
        return value

    def choice(self, cell: Cell, table: dict, required: bool = True):
        value = self.text(cell, required)
        if value is None:
            return None
        found = table.get(value.lower()) if value.lower() in table else table.get(value)
        if found is None:
            english = is_english()
            shown = sorted({k for k in table if k.isascii() == english})
            self.fail(cell, _("Not one of: %(choices)s.", choices=" / ".join(shown)))
        return found

    def yes_no(self, cell: Cell, default: bool | None = None) -> bool | None:
        if isinstance(cell.value, bool):
            return cell.value
        value = "" if cell.value is None else str(cell.value).strip().lower()
        if value in YES:
            return True
        if value in NO:
            return False
        if not value and default is not None:
            return default
        self.fail(cell, _("Write yes or no."))
        return None

    def day(self, cell: Cell, required: bool) -> date | None:
        if isinstance(cell.value, date):
            return cell.value
        value = self.text(cell, required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value.replace("/", "-"))
        except ValueError:
            self.fail(cell, _("Enter a date as YYYY-MM-DD."))
            return None

    def whole(self, cell: Cell, low: int, high: int) -> int | None:
        value = cell.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and value.lstrip("+-").isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(cell, _("Enter a whole number from %(low)s to %(high)s.", low=low, high=high))
            return None
        return value

    def once(self, seen: dict, key, cell: Cell) -> bool:
        if key in seen:
            self.fail(cell, _("Repeats row %(row)s.", row=seen[key]))
            return False
        seen[key] = cell.row
        return True


def _subjects() -> dict[str, str]:
    """Subject code, Chinese and English name → code (the subjects of the declaration form)."""
    options = current_app.extensions["form_library"].options(DECLARATION_FORM, "subject")
    table = {}
    for option in options:
        code = option["const"]
        table.update({code: code, str(option.get("title") or code): code,
                      str(option.get("x-title-en") or code).lower(): code})
    return table


def check(county: Organisation, sheets: dict) -> Checked:
    """Every row checked; `checked.problems` empty means everything can be applied."""
    checked = Checked()
    schools = {s.code: s for s in county_schools(county)}
    _check_schools(checked, sheets["schools"], schools)
    _check_staffing(checked, sheets["staffing"], schools)
    users = _users(sheets)
    _check_people(checked, sheets["people"], users)
    _check_postings(checked, sheets["postings"], schools, users)
    return checked


def _users(sheets: dict) -> dict[str, User]:
    names = {str(row["username"].value).strip() for key in ("people", "postings") for row in sheets[key]
             if row["username"].value not in (None, "")}
    return {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(names)))}


def _school(rows: _Rows, cell: Cell, schools: dict, required: bool = True) -> Organisation | None:
    code = rows.text(cell, required)
    if code is None:
        return None
    school = schools.get(code)
    if school is None:
        rows.fail(cell, _("Unknown school “%(code)s”: not a school of this county.", code=code))
    return school


def _person(rows: _Rows, row: dict, users: dict) -> User | None:
    username = rows.text(row["username"], True)
    if username is None:
        return None
    user = users.get(username)
    if user is None:
        rows.fail(row["username"], _("Unknown person “%(username)s”.", username=username))
        return None
    name = rows.text(row["name"], False)
    if name and name != user.display_name:
        rows.fail(row["name"], _("The name does not match %(username)s (%(name)s).", username=username,
                                 name=user.display_name))
    return user


def _check_schools(checked: Checked, rows_in: list, schools: dict) -> None:
    rows, seen = _Rows(checked, SCHOOLS.title), {}
    for row in rows_in:
        school = _school(rows, row["code"], schools)
        rural = rows.choice(row["rural"], RURAL)
        weak = rows.yes_no(row["weak"])
        paired = _school(rows, row["paired"], schools, required=False)
        if school is not None and paired is not None and paired.id == school.id:
            rows.fail(row["paired"], _("A school cannot be paired with itself."))
        values = {"is_rural": rural, "is_weak": weak, "school_group": rows.text(row["group"], False),
                  "supervision_district": rows.text(row["district"], False),
                  "paired_school_id": paired.id if paired else None}
        if school is not None and rows.once(seen, school.id, row["code"]):
            checked.schools.append((school, values))


def _check_staffing(checked: Checked, rows_in: list, schools: dict) -> None:
    rows, seen, subjects = _Rows(checked, STAFFING.title), {}, _subjects()
    for row in rows_in:
        school = _school(rows, row["school"], schools)
        subject = rows.choice(row["subject"], subjects)
        balance = rows.whole(row["balance"], -999, 999)
        if school and subject and balance is not None and rows.once(seen, (school.id, subject), row["subject"]):
            checked.staffing.append(((school.id, subject), balance))


def _check_people(checked: Checked, rows_in: list, users: dict) -> None:
    rows, seen, subjects = _Rows(checked, PEOPLE.title), {}, _subjects()
    for row in rows_in:
        user = _person(rows, row, users)
        values = {"hire_date": rows.day(row["hire_date"], True), "title_grade": rows.choice(row["grade"], GRADES),
                  "subject": rows.choice(row["subject"], subjects, required=False),
                  "plans_senior_title": rows.yes_no(row["plans_senior"], default=False)}
        if user is not None and rows.once(seen, user.id, row["username"]):
            checked.people.append((user.id, values))


def _check_postings(checked: Checked, rows_in: list, schools: dict, users: dict) -> None:
    rows, seen = _Rows(checked, POSTINGS.title), {}
    by_person: dict[int, dict] = defaultdict(dict)  # user → (school, start) → (start, end, row)
    for row in rows_in:
        user = _person(rows, row, users)
        school = _school(rows, row["school"], schools)
        position = rows.choice(row["position"], POSITIONS)
        start, end = rows.day(row["start"], True), rows.day(row["end"], False)
        personnel = rows.yes_no(row["personnel"], default=True)
        if start and end and end <= start:
            rows.fail(row["end"], _("The end must be after the start."))
            continue
        if None in (user, school, position, start, personnel):
            continue
        key = (user.id, school.id, start)
        if rows.once(seen, key, row["start"]):
            checked.postings.append((key, {"position": position, "end_date": end, "personnel_moved": personnel}))
            by_person[user.id][(school.id, start)] = (start, end, row["start"])
    _check_overlaps(rows, by_person)


def _check_overlaps(rows: _Rows, by_person: dict) -> None:
    """Two appointments of one person may not overlap (the sheet's rows replace stored ones with the same key)."""
    if not by_person:
        return
    stored = db.session.scalars(select(Posting).where(Posting.user_id.in_(by_person),
                                                      Posting.kind == PostingKind.appointment)).all()
    for posting in stored:
        by_person[posting.user_id].setdefault((posting.school_id, posting.start_date),
                                              (posting.start_date, posting.end_date, None))
    for periods in by_person.values():
        ordered = sorted(periods.values(), key=lambda p: p[0])
        for (start_a, end_a, cell_a), (start_b, _end_b, cell_b) in zip(ordered, ordered[1:]):
            if end_a is None or start_b < end_a:
                # Both rows are named, so whichever one is wrong is found where it was typed.
                if cell_a is not None:
                    rows.fail(cell_a, _("This posting overlaps another posting of the same person (from %(start)s).",
                                        start=start_b))
                if cell_b is not None:
                    rows.fail(cell_b, _("This posting overlaps another posting of the same person (from %(start)s).",
                                        start=start_a))


def counts(checked: Checked) -> dict[str, dict[str, int]]:
    """Per sheet: how many rows are new, how many change stored data, how many are unchanged."""
    result = {}
    result["schools"] = _tally([(s, {k: getattr(s, k) for k in v}, v) for s, v in checked.schools])
    needs = {(n.school_id, n.subject): n.balance for n in db.session.scalars(
        select(StaffingNeed).where(StaffingNeed.school_id.in_({k[0] for k, _v in checked.staffing})))}
    result["staffing"] = _tally([(k, {"b": needs[k]} if k in needs else None, {"b": v}) for k, v in checked.staffing])
    records = {r.user_id: r for r in db.session.scalars(
        select(EmploymentRecord).where(EmploymentRecord.user_id.in_([u for u, _v in checked.people])))}
    result["people"] = _tally([(u, {k: getattr(records[u], k) for k in v} if u in records else None, v)
                               for u, v in checked.people])
    postings = {(p.user_id, p.school_id, p.start_date): p for p in db.session.scalars(
        select(Posting).where(Posting.user_id.in_({k[0] for k, _v in checked.postings})))}
    result["postings"] = _tally([(k, {f: (getattr(postings[k], f).value if f == "position" else getattr(postings[k], f))
                                      for f in v} if k in postings else None, v) for k, v in checked.postings])
    return result


def _tally(rows) -> dict[str, int]:
    tally = {"new": 0, "updated": 0, "unchanged": 0}
    for _key, old, new in rows:
        tally["new" if old is None else "unchanged" if old == new else "updated"] += 1
    return tally
