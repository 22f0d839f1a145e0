"""Existing title holders (people who hold titles from before this system) from an Excel sheet.

The county office downloads a template, fills one row per title and uploads it: every row is
checked (the person exists in the county and the name matches, level and category, dates,
certificate numbers unique in the sheet and the register, no second active title of the same
kind), a preview shows what would be entered, and the sheet is applied all or nothing through
`webapp.register.bulk.import_titles` (the register's invariants, in bulk).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...imports.lookup import matching
from ...imports.rows import cell_text, first_sheet_rows
from ...imports.xlsx import LayoutError
from ...register.bulk import HeldTitle, import_titles
from ...models import Organisation, TeacherProfile, TitleHolding, TitleStatus, User
from ...titles import CATEGORIES, LEVELS

COLUMNS = ["username", "name", "level", "category", "subject", "certificate_no", "conferred_on", "valid_until",
           "allowance_monthly"]
HEADERS_ZH = ["用户名", "姓名", "层级", "类别", "学科", "证书编号", "授予日期", "有效期至", "月津贴（元）"]
MAX_ROWS = 50000


@dataclass
class HolderRow:
    number: int
    user_id: int
    name: str
    values: dict


@dataclass
class HolderSheet:
    rows: list[HolderRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _choices(table: dict) -> dict[str, str]:
    """Codes and their Chinese and English labels → code."""
    found = {}
    for code, label in table.items():
        found[code.lower()] = code
        for locale in ("zh_Hans_CN", "en"):
            with force_locale(locale):
                found[str(label).lower()] = code
    return found


def template() -> bytes:
    """The template: one header row (Chinese, with the field names under it) and an example row."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "称号持有人"
    sheet.append(HEADERS_ZH)
    sheet.append(COLUMNS)
    sheet.append(["t001", "张三", "county", "backbone", "mathematics", "530101-2022-0303-0001", "2022-09-01", "2027-09-01", 300])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def layout_problems(content: bytes) -> list[str]:
    """What refuses the file at once, before any row is read: not a workbook, or not the template's columns."""
    try:
        head = dict(first_sheet_rows(content, 2))
    except LayoutError as error:
        return [str(problem) for problem in error.problems]
    if [cell_text(c).lower() for c in head.get(2, [])[:len(COLUMNS)]] != COLUMNS:
        return [_("Use the template: row 2 must name the columns %(columns)s.", columns=", ".join(COLUMNS))]
    return []


def read(county: Organisation, content: bytes, progress=None) -> HolderSheet:
    """Check every row; `rows` are only kept when there is no problem at all. `progress(done, total)`
    is told every 500 rows (the background job's progress bar)."""
    result = HolderSheet()
    try:
        rows = {number: [cell_text(value) for value in values]
                for number, values in first_sheet_rows(content, MAX_ROWS + 3)}
    except LayoutError as error:
        result.problems += [str(problem) for problem in error.problems]
        return result
    if max(rows, default=0) > MAX_ROWS + 2:
        result.problems.append(_("At most %(n)d rows per sheet.", n=MAX_ROWS))
        return result
    if [c.lower() for c in rows.get(2, [])[:len(COLUMNS)]] != COLUMNS:
        result.problems.append(_("Use the template: row 2 must name the columns %(columns)s.", columns=", ".join(COLUMNS)))
        return result
    data = [(number, row) for number, row in sorted(rows.items()) if number > 2 and any(row)]
    if not data:
        result.problems.append(_("The sheet has no rows of title holders."))
        return result
    levels, categories = _choices(LEVELS), _choices(CATEGORIES)
    usernames = {row[0].lower() for _n, row in data if row}
    people = {}
    for condition in matching(User.username, sorted(usernames)):
        for user_id, username, name, path in db.session.execute(
                select(User.id, User.username, User.display_name, Organisation.path)
                .join(TeacherProfile, TeacherProfile.user_id == User.id)
                .join(Organisation, Organisation.id == TeacherProfile.school_id)
                .where(condition)):
            people[username.lower()] = (user_id, name, path)
    numbers = {v.lower() for _n, row in data for v in row[5:6] if v}
    taken_numbers = set()
    for condition in matching(TitleHolding.certificate_no, sorted(numbers)):
        taken_numbers |= {n.lower() for n in db.session.scalars(select(TitleHolding.certificate_no).where(condition))}
    held = set()
    for condition in matching(TitleHolding.user_id, sorted(p[0] for p in people.values())):
        held |= set(db.session.execute(select(TitleHolding.user_id, TitleHolding.level, TitleHolding.category)
                                       .where(TitleHolding.status == TitleStatus.active, condition)).all())
    seen_numbers, seen_titles = set(), set()
    for index, (number, row) in enumerate(data):
        if progress is not None and index % 500 == 0:
            progress(index, len(data))
        row = (row + [""] * len(COLUMNS))[:len(COLUMNS)]
        values = dict(zip(COLUMNS, row))
        problems = []
        person = people.get(values["username"].lower())
        if person is None or not person[2].startswith(county.path):
            result.problems.append(_("Row %(row)d: %(who)s is not a teacher of this county.", row=number,
                                     who=values["username"] or "—"))
            continue
        user_id, name, _path = person
        if values["name"] and values["name"] != name:
            problems.append(_("the name %(name)s does not match %(who)s", name=values["name"], who=values["username"]))
        level, category = levels.get(values["level"].lower()), categories.get(values["category"].lower())
        if level is None:
            problems.append(_("unknown level %(value)s", value=values["level"] or "—"))
        if category is None:
            problems.append(_("unknown category %(value)s", value=values["category"] or "—"))
        try:
            conferred = date.fromisoformat(values["conferred_on"])
            until = date.fromisoformat(values["valid_until"])
            if until <= conferred:
                problems.append(_("the validity must end after the conferral date"))
        except ValueError:
            problems.append(_("dates must be written YYYY-MM-DD"))
            conferred = until = None
        cert = values["certificate_no"]
        if not cert or len(cert) > 64:
            problems.append(_("a certificate number (at most 64 characters) is required"))
        elif cert.lower() in taken_numbers or cert.lower() in seen_numbers:
            problems.append(_("certificate number %(number)s is already used", number=cert))
        allowance = None
        if values["allowance_monthly"]:
            try:
                allowance = int(values["allowance_monthly"])
                if not 0 <= allowance <= 100000:
                    raise ValueError
            except ValueError:
                problems.append(_("the allowance must be a whole number of yuan"))
        key = (user_id, level, category)
        if level and category and (key in held or key in seen_titles):
            problems.append(_("this person already holds this title"))
        if problems:
            result.problems.append(_("Row %(row)d: %(problems)s.", row=number, problems="; ".join(problems)))
            continue
        seen_numbers.add(cert.lower())
        seen_titles.add(key)
        result.rows.append(HolderRow(number, user_id, name, dict(
            level=level, category=category, subject=values["subject"] or None, certificate_no=cert,
            conferred_on=conferred, valid_until=until, allowance_monthly=allowance)))
    if result.problems:
        result.rows = []
    return result


def apply(county: Organisation, sheet: HolderSheet, actor_id: int | None, progress=None) -> int:
    """Enter every row through the register's bulk import (the caller's transaction: all or nothing);
    `progress(done)` is told after each chunk of 5,000 titles."""
    schools = {}
    for condition in matching(TeacherProfile.user_id, [r.user_id for r in sheet.rows]):
        schools.update(db.session.execute(select(TeacherProfile.user_id, TeacherProfile.school_id)
                                          .where(condition)).all())
    titles = [HeldTitle(user_id=r.user_id, level=r.values["level"], category=r.values["category"],
                        subject=r.values["subject"], org_id=schools.get(r.user_id),
                        certificate_no=r.values["certificate_no"], conferred_on=r.values["conferred_on"],
                        valid_until=r.values["valid_until"], allowance_monthly=r.values["allowance_monthly"])
              for r in sheet.rows]
    if progress is None:
        return import_titles(titles, county_id=county.id, actor_id=actor_id)
    count = 0
    for chunk in _chunks(titles, 5000):  # the sheet has no title twice: chunks cannot collide with each other
        count += import_titles(chunk, county_id=county.id, actor_id=actor_id)
        progress(count)
    return count


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
