"""Working-day arithmetic over calendar exceptions loaded once, for code that computes many dates.

The reminder scan moves thousands of deadlines by a few working days; `WorkingDayWindow` reads
the administrators' exceptions for a range of dates in one query and answers from memory,
widening the range (one more query) only when asked about a day outside it.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import exceptions_between, local_zone

_MARGIN = timedelta(days=60)


class WorkingDayWindow:
    """Weekends, holidays and make-up days for a range of dates, read from the database once."""

    def __init__(self, first: date, last: date) -> None:
        self.zone: ZoneInfo = local_zone()
        self._first, self._last = first - _MARGIN, last + _MARGIN
        self._exceptions = exceptions_between(self._first, self._last)

    def _cover(self, day: date) -> None:
        """Load the exceptions of a wider range if `day` lies outside the loaded one."""
        if day < self._first:
            self._exceptions.update(exceptions_between(day - _MARGIN, self._first))
            self._first = day - _MARGIN
        elif day > self._last:
            self._exceptions.update(exceptions_between(self._last, day + _MARGIN))
            self._last = day + _MARGIN

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day."""
        self._cover(day)
        exception = self._exceptions.get(day)
        return exception if exception is not None else day.weekday() < 5

    def shift(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (count > 0) or before it (count < 0); `day` is not counted."""
        step = timedelta(days=1 if count > 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def shift_deadline(self, moment: datetime, count: int) -> datetime:
        """Move a deadline by `count` working days, keeping its local clock time (result in UTC).

        A deadline at local midnight closes the day before (as `end_of_working_days` makes them),
        so it is moved as "the end of that day": the end of Friday plus one working day is the end
        of Monday, not of Tuesday.
        """
        local = moment.astimezone(self.zone)
        if local.time() == time(0, 0):
            closing_day = self.shift(local.date() - timedelta(days=1), count)
            result = datetime.combine(closing_day + timedelta(days=1), time(0, 0), tzinfo=self.zone)
        else:
            result = datetime.combine(self.shift(local.date(), count), local.timetz().replace(tzinfo=None), tzinfo=self.zone)
        return result.astimezone(ZoneInfo("UTC"))
