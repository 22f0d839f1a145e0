"""Editing the working-day calendar: one exception at a time, or a pasted list (all or nothing).

Only exceptions to the Monday–Friday rule are stored: a weekday holiday, or a weekend make-up
working day (调休). An entry that would change nothing (a holiday on a Saturday or Sunday, a
working day on a weekday) is refused, so the table always says exactly what differs.
"""
from __future__ import annotations

import calendar as pycalendar
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models.calendar import CalendarDay
from . import local_zone, working_days_between

log = logging.getLogger(__name__)

# Kind of an exception as written in forms and imports → whether the day is worked.
KINDS = {"holiday": False, "workday": True}
# Also accepted in imports: the marks printed on Chinese calendars.
KIND_ALIASES = {"holiday": "holiday", "休": "holiday", "workday": "workday", "班": "workday"}
NAME_MAX = 100
FIRST_YEAR, LAST_YEAR = 2000, 2100
IMPORT_MAX_LINES = 1000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CalendarInputError(Exception):
    """The submitted exceptions are not valid; `messages` are already translated."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Entry:
    """A validated exception, not yet stored."""

    day: date
    is_workday: bool
    name: str


def today() -> date:
    """Today in the configured time zone."""
    return datetime.now(local_zone()).date()


def weekday_name(day: date) -> str:
    """The day of the week in the user's language (星期六, Saturday)."""
    return format_date(day, "EEEE")


def parse_day(text: str | None) -> date | None:
    """A date written YYYY-MM-DD within the supported years, or None."""
    text = (text or "").strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def validate(day_text: str | None, kind_text: str | None, name_text: str | None, *, aliases: bool = False) -> Entry:
    """Check one exception; raise CalendarInputError listing every problem."""
    problems = []
    day = parse_day(day_text)
    if day is None:
        problems.append(
            _(
                "“%(value)s” is not a valid date: write it as YYYY-MM-DD, between %(first)d and %(last)d.",
                value=(day_text or "").strip(),
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        )
    kind = (kind_text or "").strip()
    kind = KIND_ALIASES.get(kind.lower()) if aliases else (kind if kind in KINDS else None)
    if kind is None:
        problems.append(
            _("“%(value)s” is not a kind of day: use holiday or workday.", value=(kind_text or "").strip())
        )
    name = (name_text or "").strip()
    if len(name) > NAME_MAX:
        problems.append(_("The name is too long (at most %(max)d characters).", max=NAME_MAX))
    if day is not None and kind is not None:
        is_workday = KINDS[kind]
        if not is_workday and day.weekday() >= 5:
            problems.append(
                _(
                    "%(day)s is a %(weekday)s, which is a day off anyway: record only holidays that fall on weekdays.",
                    day=day.isoformat(),
                    weekday=weekday_name(day),
                )
            )
        elif is_workday and day.weekday() < 5:
            problems.append(
                _(
                    "%(day)s is a %(weekday)s, which is a working day anyway: record only make-up working days "
                    "that fall on a weekend. To undo a holiday, delete its entry.",
                    day=day.isoformat(),
                    weekday=weekday_name(day),
                )
            )
    if problems:
        raise CalendarInputError(problems)
    return Entry(day=day, is_workday=KINDS[kind], name=name)


def parse_import(text: str | None) -> list[Entry]:
    """Entries from lines `YYYY-MM-DD holiday|workday name`; blank lines and `#` comments are skipped.

    Every line is checked; any problem raises CalendarInputError naming the line numbers.
    """
    lines = (text or "").splitlines()
    if len(lines) > IMPORT_MAX_LINES:
        raise CalendarInputError([_("Too many lines: import at most %(max)d at a time.", max=IMPORT_MAX_LINES)])
    problems: list[str] = []
    entries: list[Entry] = []
    seen: dict[date, int] = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)  # any whitespace, the ideographic space included
        if len(parts) < 2:
            problems.append(
                _("Line %(number)d: %(message)s", number=number, message=_("write a date, a kind and a name, e.g. “2026-10-01 holiday 国庆节”."))
            )
            continue
        try:
            entry = validate(parts[0], parts[1], parts[2] if len(parts) > 2 else "", aliases=True)
        except CalendarInputError as error:
            problems.extend(_("Line %(number)d: %(message)s", number=number, message=m) for m in error.messages)
            continue
        if entry.day in seen:
            problems.append(
                _(
                    "Line %(number)d: %(message)s",
                    number=number,
                    message=_("%(day)s is already given on line %(line)d.", day=entry.day.isoformat(), line=seen[entry.day]),
                )
            )
            continue
        seen[entry.day] = number
        entries.append(entry)
    if problems:
        raise CalendarInputError(problems)
    if not entries:
        raise CalendarInputError([_("There is nothing to import: enter one day per line.")])
    return entries


@dataclass
class SaveResult:
    """How many entries were new, changed, or already recorded exactly so."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0


def save(entries: list[Entry], actor) -> SaveResult:
    """Record the entries, replacing any existing entry for the same day (the caller commits)."""
    result = SaveResult()
    existing = {
        row.day: row
        for row in db.session.scalars(select(CalendarDay).where(CalendarDay.day.in_([e.day for e in entries])))
    }
    for entry in entries:
        row = existing.get(entry.day)
        if row is None:
            db.session.add(CalendarDay(day=entry.day, is_workday=entry.is_workday, name=entry.name))
            result.added += 1
            log.info("calendar: %s added %s as %s %r", actor.username, entry.day, _kind(entry.is_workday), entry.name)
        elif row.is_workday == entry.is_workday and row.name == entry.name:
            result.unchanged += 1
        else:
            log.info(
                "calendar: %s changed %s from %s %r to %s %r", actor.username, entry.day,
                _kind(row.is_workday), row.name, _kind(entry.is_workday), entry.name,
            )
            row.is_workday, row.name = entry.is_workday, entry.name
            result.changed += 1
    db.session.flush()
    return result


def delete(day: date, actor) -> CalendarDay | None:
    """Remove the entry for `day`; None if there was none (the caller commits)."""
    row = db.session.get(CalendarDay, day)
    if row is None:
        return None
    db.session.delete(row)
    db.session.flush()
    log.info("calendar: %s deleted %s (%s %r)", actor.username, day, _kind(row.is_workday), row.name)
    return row


def _kind(is_workday: bool) -> str:
    """The kind's code, for the log."""
    return "workday" if is_workday else "holiday"


def year_entries(year: int) -> list[CalendarDay]:
    """The recorded exceptions of a year, in date order."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return list(db.session.scalars(select(CalendarDay).where(CalendarDay.day.between(first, last)).order_by(CalendarDay.day)))


@dataclass(frozen=True)
class Cell:
    """One day in the month grid."""

    day: date
    working: bool
    kind: str  # "workday", "weekend", "holiday" (recorded) or "makeup" (recorded)
    name: str


def year_grid(year: int, entries: list[CalendarDay]) -> list[tuple[date, list[list[Cell | None]]]]:
    """Twelve months, each as weeks Monday→Sunday (None pads days of other months)."""
    recorded = {row.day: row for row in entries}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                entry = recorded.get(day)
                if entry is not None:
                    kind = "makeup" if entry.is_workday else "holiday"
                    row.append(Cell(day, entry.is_workday, kind, entry.name))
                elif day.weekday() >= 5:
                    row.append(Cell(day, False, "weekend", ""))
                else:
                    row.append(Cell(day, True, "workday", ""))
            weeks.append(row)
        months.append((date(year, month, 1), weeks))
    return months


def working_days_in_year(year: int) -> int:
    """How many working days the year has, with the recorded exceptions."""
    return working_days_between(date(year - 1, 12, 31), date(year, 12, 31))
