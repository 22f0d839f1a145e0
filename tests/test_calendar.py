"""The working-day calendar: weekends, weekday holidays and weekend make-up days."""
from datetime import date, datetime, timezone

from webapp.calendar import add_working_days, end_of_working_days, is_working_day, working_days_between
from webapp.extensions import db
from webapp.models import CalendarDay


def _holidays(*days, workday=False):
    db.session.add_all(CalendarDay(day=d, is_workday=workday, name="test") for d in days)
    db.session.flush()


def test_weekend_is_skipped(app):
    with app.app_context():
        # Thursday 2026-11-19 + 2 working days = Monday 2026-11-23.
        assert add_working_days(date(2026, 11, 19), 2) == date(2026, 11, 23)
        assert add_working_days(date(2026, 11, 21), 0) == date(2026, 11, 23)  # Saturday → Monday
        assert not is_working_day(date(2026, 11, 22))


def test_holiday_and_make_up_day(app):
    with app.app_context():
        # National Day week 2026: 1–7 October off, Saturday 10 October worked (调休).
        _holidays(*(date(2026, 10, d) for d in range(1, 8)))
        _holidays(date(2026, 10, 10), workday=True)
        # From Wednesday 30 September: 8 Oct (Thu), 9 Oct (Fri), 10 Oct (Sat, make-up), 12, 13.
        assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
        assert working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
        assert is_working_day(date(2026, 10, 10))
        assert not is_working_day(date(2026, 10, 5))


def test_period_ends_at_local_midnight(app):
    with app.app_context():
        # Published Friday 2026-11-20 15:00 Beijing time; 5 working days run through Friday 27th.
        published = datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)
        ends = end_of_working_days(published, 5)
        assert ends == datetime(2026, 11, 27, 16, 0, tzinfo=timezone.utc)  # 28th 00:00 +08:00


def test_edits_in_this_process_are_seen_at_once(app):
    """The exceptions are cached per process; an edit through the session empties the cache."""
    with app.app_context():
        assert is_working_day(date(2026, 12, 1))  # a Tuesday, now cached as a plain working day
        _holidays(date(2026, 12, 1))
        assert not is_working_day(date(2026, 12, 1))
        db.session.rollback()  # the edit is undone: so is what was read during it
        assert is_working_day(date(2026, 12, 1))


def test_edits_by_another_process_are_seen_after_the_cache_period(app):
    """Another process (a second web worker) edits the table: seen once the cache period ends."""
    with app.app_context():
        assert is_working_day(date(2026, 12, 2))
        # Written behind the session's back, as another process would.
        db.session.execute(CalendarDay.__table__.insert().values(day=date(2026, 12, 2), is_workday=False, name="x"))
        db.session.commit()
        assert is_working_day(date(2026, 12, 2))  # still the cached copy
        period, app.config["CALENDAR_CACHE_SECONDS"] = app.config["CALENDAR_CACHE_SECONDS"], 0
        try:
            assert not is_working_day(date(2026, 12, 2))
        finally:
            app.config["CALENDAR_CACHE_SECONDS"] = period
