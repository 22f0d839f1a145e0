"""The scheduler opens a county's annual review by itself, on the day the local rule sets.

The day is a local rule (`workflows/annual_review_opening.dmn`, read through the county's own
variant of the tables when it has one): a month and a day of the school year (default 15 June).
From that day until the school year ends, each run opens the review of every county that has
titles in force and no round for the year yet, exactly once: the round's row is unique per county
and school year, so of two schedulers opening the same county at once (PostgreSQL; on SQLite the
job's lease keeps the second out) one inserts it and the other's insert fails and is undone,
county by county. A county office that opened the review by hand is left alone.
"""
from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from ...core.errors import Conflict
from ...extensions import db
from ...models import Organisation, OrgKind, TitleHolding, TitleStatus
from .models import AnnualReviewRound
from .opening import open_annual_review
from .schoolyear import YEAR_START_MONTH, SchoolYear, school_year_of
from .term import local_today

DECISION = "annual_review_opening"


def opening_rule(engine, county: Organisation) -> dict:
    """The county's opening rule: {"enabled", "open_month", "open_day"} (the table's FIRST row that matches)."""
    table = engine.library.parser.get_engine(DECISION, None)
    task = SimpleNamespace(data={"county": county.name}, workflow=SimpleNamespace(script_engine=engine.script_engine))
    return dict(table.result(task).get("opening") or {})


def opening_day(rule: dict, year: SchoolYear) -> date | None:
    """The day the rule opens the review of `year` (None: not by the scheduler, or no such day)."""
    if not rule.get("enabled"):
        return None
    try:
        month, day = int(rule.get("open_month")), int(rule.get("open_day"))
        return date(year.start_year if month >= YEAR_START_MONTH else year.start_year + 1, month, day)
    except (TypeError, ValueError):
        return None  # a table without a valid day opens nothing (the office still can)


def counties_due(school_year: int) -> list[Organisation]:
    """Counties with a title in force and no round of the school year yet."""
    has_titles = exists().where(TitleHolding.county_id == Organisation.id, TitleHolding.status == TitleStatus.active)
    opened = exists().where(AnnualReviewRound.county_id == Organisation.id, AnnualReviewRound.school_year == school_year)
    return list(db.session.scalars(select(Organisation).where(
        Organisation.kind == OrgKind.county, has_titles, ~opened).order_by(Organisation.id)))


def open_due_reviews(now: datetime, lease=None) -> int:
    """Open the review of the current school year in each county whose opening day has come; commit
    per county; return how many counties this run opened."""
    on = local_today(now)
    year = school_year_of(on)
    engine = current_app.extensions["workflow_engine"]
    opened = 0
    for county in counties_due(year.start_year):
        if lease is not None:
            lease.renew()
        county_engine = engine.for_organisation(county)
        day = opening_day(opening_rule(county_engine, county), year)
        if day is None or on < day:
            continue
        try:
            with db.session.begin_nested():
                open_annual_review(engine, None, county, year.start_year)
        except (IntegrityError, Conflict):
            # Another scheduler (or the office) opened it in the meantime: once is enough.
            db.session.rollback()
            continue
        db.session.commit()
        opened += 1
    db.session.rollback()
    return opened
