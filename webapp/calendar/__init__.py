"""Working days: Monday to Friday, except the holidays and make-up days administrators record.

Deadlines counted in working days (public-notice periods, `dueIn` of user tasks, reminder
intervals) end at the close of the last working day in the configured time zone.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models.calendar import CalendarDay

# The longest run of non-working days we ever expect to walk over (Spring Festival plus weekends).
_LOOKAHEAD_DAYS = 60


def local_zone() -> ZoneInfo:
    """The time zone deadlines are counted in (the application's configured zone)."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


def exceptions_between(first: date, last: date) -> dict[date, bool]:
    """Recorded exceptions in [first, last]: day → whether it is a working day."""
    return {day: is_workday for day, is_workday in _all_exceptions().items() if first <= day <= last}


def _all_exceptions() -> dict[date, bool]:
    """Every recorded exception, read at most once per `CALENDAR_CACHE_SECONDS` in each process.

    The table holds a few dozen days a year, while every new step with a deadline asks it. An
    edit in this process (any flush touching `CalendarDay`) empties the cache at once; other
    processes (more web workers, the scheduler) see it within the cache period.
    """
    cache = current_app.extensions.setdefault("calendar_cache", {})
    loaded = cache.get("loaded")
    now = monotonic()
    if loaded is None or now - loaded[0] > current_app.config["CALENDAR_CACHE_SECONDS"]:
        rows = db.session.execute(select(CalendarDay.day, CalendarDay.is_workday)).all()
        loaded = cache["loaded"] = (now, {day: is_workday for day, is_workday in rows})
    return loaded[1]


def forget_cached_calendar(app=None) -> None:
    """Drop this process's copy of the exceptions (after an edit, or when tests empty the database)."""
    (app or current_app).extensions.get("calendar_cache", {}).clear()


@event.listens_for(Session, "after_flush")
def _calendar_edited(session, flush_context) -> None:
    """An edit of the calendar in this process: forget the cached copy now and at the transaction's end."""
    if any(isinstance(row, CalendarDay) for row in (*session.new, *session.dirty, *session.deleted)):
        session.info["calendar_edited"] = True
        if has_app_context():
            forget_cached_calendar()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _calendar_transaction_ended(session, *args) -> None:
    """Committed or rolled back: what was read during the edit is forgotten either way."""
    if session.info.pop("calendar_edited", False) and has_app_context():
        forget_cached_calendar()


def is_working_day(day: date, exceptions: dict[date, bool] | None = None) -> bool:
    """Whether `day` is a working day, given the recorded exceptions (loaded if not given)."""
    if exceptions is None:
        exceptions = exceptions_between(day, day)
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (`start` itself is not counted); count ≥ 0.

    With count 0 the result is `start` when it is a working day, else the next working day.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    horizon = start + timedelta(days=count * 2 + _LOOKAHEAD_DAYS)
    exceptions = exceptions_between(start, horizon)
    day = start
    if count == 0:
        while not is_working_day(day, exceptions):
            day += timedelta(days=1)
        return day
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if day > horizon:  # a very long holiday run: widen the window
            horizon = day + timedelta(days=_LOOKAHEAD_DAYS)
            exceptions.update(exceptions_between(day, horizon))
        if is_working_day(day, exceptions):
            remaining -= 1
    return day


def working_days_between(first: date, last: date) -> int:
    """How many working days lie in (first, last]; 0 when last ≤ first."""
    if last <= first:
        return 0
    exceptions = exceptions_between(first, last)
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += is_working_day(day, exceptions)
    return count


def end_of_working_days(start: datetime, count: int) -> datetime:
    """The deadline `count` working days after the moment `start`: midnight (local) closing that day.

    The day `start` falls on is not counted, so a period published on Friday afternoon with
    count 5 runs through the following Friday. Returned in UTC.
    """
    zone = local_zone()
    local_day = start.astimezone(zone).date()
    last = add_working_days(local_day, count)
    closing = datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=zone)
    return closing.astimezone(ZoneInfo("UTC"))
