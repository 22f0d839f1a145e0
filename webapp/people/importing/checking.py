"""Check every row against the rules and the database; each problem names the row and the column.

The result either lists problems (and nothing can be applied) or holds every change, ready to be
applied whole. Pure where it can be: `check_row` needs only the lookups passed to it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...i18n import is_english
from ...imports.lookup import matching
from ...models import Organisation, OrgKind, User
from .. import idnumber
from .reader import COLUMN_LETTERS, Problem, Row
from .sheet import EDUCATION, GENDERS, ROLES, TITLES

MAX_PROBLEMS = 500  # kept and shown; the count says how many more


@dataclass
class Teacher:
    """One valid row, in the model's terms."""

    row: int
    school_id: int
    name: str
    id_number: str
    gender: str
    birth_date: date
    hire_date: date
    teaching_start_date: date
    education: str
    title: str
    subject: str
    roles: tuple[str, ...]
    username: str


@dataclass
class Checked:
    """Problems found (the first MAX_PROBLEMS, and how many in all) and the valid rows."""

    teachers: list[Teacher] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    def fail(self, row: int | None, key: str | None, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, COLUMN_LETTERS.get(key) if key else None, message))


@dataclass
class Lookups:
    """What rows are checked against: the importer's schools by code, subjects by name."""

    schools: dict[str, Organisation]
    subjects: dict[str, str]
    today: date


def _text(checked: Checked, row: Row, key: str, required: bool, limit: int = 100) -> str | None:
    value = row.values.get(key)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            checked.fail(row.number, key, _("This cell must be filled."))
        return None
    if len(text) > limit:
        checked.fail(row.number, key, _("At most %(count)d characters.", count=limit))
        return None
    return text


def _day(checked: Checked, row: Row, key: str, required: bool) -> date | None:
    value = row.values.get(key)
    if isinstance(value, date):
        return value
    text = _text(checked, row, key, required)
    if text is None:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-").replace(".", "-"))
    except ValueError:
        checked.fail(row.number, key, _("Enter a date as YYYY-MM-DD."))
        return None


def _choice(checked: Checked, row: Row, key: str, table: dict, required: bool = True) -> str | None:
    text = _text(checked, row, key, required)
    if text is None:
        return None
    found = table.get(text) or table.get(text.lower())
    if found is None:
        checked.fail(row.number, key, _("Not one of: %(choices)s.", choices=_shown(table)))
    return found


def _shown(table: dict) -> str:
    """The accepted values in the page's language (the sheet takes both)."""
    english = is_english()
    shown = [key for key in table if key.isascii() == english] or list(table)
    return " / ".join(shown[:12])


def check_row(checked: Checked, row: Row, lookups: Lookups) -> Teacher | None:
    """One row to a Teacher, or problems recorded at its cells."""
    before = checked.problem_count
    code = _text(checked, row, "school", True, 64)
    school = lookups.schools.get(code) if code else None
    if code and school is None:
        checked.fail(row.number, "school", _("Unknown school “%(code)s”: not an active school you manage.", code=code))
    name = _text(checked, row, "name", True)
    number = _text(checked, row, "id_number", True, 40)
    if number is not None:
        number = idnumber.normalise(number)
        if not idnumber.is_valid(number):
            checked.fail(row.number, "id_number",
                         _("Not a valid identity number (18 characters, the last one a checksum)."))
            number = None
    gender = _choice(checked, row, "gender", GENDERS, required=False)
    birth = _day(checked, row, "birth_date", False)
    if number is not None:
        if birth is None and row.values.get("birth_date") in (None, ""):
            birth = idnumber.birth_date(number)
        elif birth is not None and birth != idnumber.birth_date(number):
            checked.fail(row.number, "birth_date", _("Differs from the birth date in the identity number (%(day)s).",
                                                     day=idnumber.birth_date(number).isoformat()))
        if gender is None and row.values.get("gender") in (None, ""):
            gender = idnumber.gender(number)
        elif gender is not None and gender != idnumber.gender(number):
            checked.fail(row.number, "gender", _("Differs from the gender in the identity number."))
    hire = _day(checked, row, "hire_date", True)
    if hire is not None:
        if hire > lookups.today:
            checked.fail(row.number, "hire_date", _("The date is in the future."))
        elif birth is not None and hire < birth + timedelta(days=int(16 * 365.25)):
            checked.fail(row.number, "hire_date", _("Hired before the age of 16?"))
    education = _choice(checked, row, "education", EDUCATION)
    title = _choice(checked, row, "title", TITLES)
    subject = _choice(checked, row, "subject", lookups.subjects)
    years = row.values.get("years")
    start = hire
    if years not in (None, ""):
        if isinstance(years, float) and years.is_integer():
            years = int(years)
        if isinstance(years, str) and years.isdigit():
            years = int(years)
        if not isinstance(years, int) or isinstance(years, bool) or not 0 <= years <= 50:
            checked.fail(row.number, "years", _("Enter a whole number from %(low)s to %(high)s.", low=0, high=50))
        else:
            start = lookups.today.replace(month=1, day=1) - timedelta(days=round(years * 365.25))
    roles_text = _text(checked, row, "roles", False, 200) or "教师"
    roles = []
    for part in roles_text.replace("，", ",").replace("、", ",").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        role = ROLES.get(part) or ROLES.get(part.lower())
        if role is None:
            checked.fail(row.number, "roles", _("Unknown role “%(role)s”: one of %(choices)s.", role=part,
                                                choices=_shown(ROLES)))
        elif role not in roles:
            roles.append(role)
    username = _text(checked, row, "username", False, 64)
    if username is not None and (len(username) < 2 or not all(c.isalnum() and c.isascii() or c in "._-" for c in username)):
        checked.fail(row.number, "username", _("2–64 letters, digits, dots, - or _."))
    if checked.problem_count > before:
        return None
    return Teacher(row=row.number, school_id=school.id, name=name, id_number=number, gender=gender, birth_date=birth,
                   hire_date=hire, teaching_start_date=start or hire, education=education, title=title,
                   subject=subject, roles=tuple(roles or ["teacher"]), username=username or number)


def check_rows(rows: Iterable[Row], lookups: Lookups, progress: Callable[[int], None] | None = None) -> Checked:
    """Every row; duplicates within the sheet; progress(rows read) every 500 rows."""
    checked = Checked()
    seen_numbers: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for count, row in enumerate(rows, start=1):
        teacher = check_row(checked, row, lookups)
        if teacher is not None:
            if teacher.id_number in seen_numbers:
                checked.fail(row.number, "id_number", _("Repeats row %(row)s.", row=seen_numbers[teacher.id_number]))
            elif teacher.username in seen_names:
                checked.fail(row.number, "username", _("Repeats row %(row)s.", row=seen_names[teacher.username]))
            else:
                seen_numbers[teacher.id_number] = row.number
                seen_names[teacher.username] = row.number
                checked.teachers.append(teacher)
        if progress is not None and count % 500 == 0:
            progress(count)
    return checked


def check_against_database(checked: Checked, in_scope: Callable[[User], bool]) -> dict[str, User]:
    """Existing people by identity number (updated, never duplicated); a user name or identity
    number of someone outside the importer's organisations is a problem of its row."""
    existing: dict[str, User] = {}
    for condition in matching(User.id_number, [t.id_number for t in checked.teachers]):
        for user in db.session.scalars(select(User).where(condition)):
            existing[user.id_number] = user
    by_name: dict[str, tuple[int, str | None]] = {}
    for condition in matching(User.username, [t.username for t in checked.teachers]):
        for user_id, username, number in db.session.execute(select(User.id, User.username, User.id_number).where(condition)):
            by_name[username] = (user_id, number)
    for teacher in checked.teachers:
        user = existing.get(teacher.id_number)
        if user is not None and not in_scope(user):
            checked.fail(teacher.row, "id_number", _("This person belongs to an organisation you do not manage."))
            continue
        taken = by_name.get(teacher.username)
        if taken is not None and (user is None or taken[0] != user.id):
            checked.fail(teacher.row, "username", _("This user name is taken by someone else."))
    return existing


def school_lookup(roots: list[Organisation]) -> dict[str, Organisation]:
    """Active schools inside the importer's organisations, by code."""
    schools: dict[str, Organisation] = {}
    for root in roots:
        query = select(Organisation).where(Organisation.kind == OrgKind.school, Organisation.active.is_(True),
                                           Organisation.path.startswith(root.path, autoescape=True))
        schools.update({school.code: school for school in db.session.scalars(query)})
    return schools
