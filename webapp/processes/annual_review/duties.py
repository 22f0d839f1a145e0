"""The duties of a title (local rule `workflows/annual_duties.dmn`) and a holder's progress on them.

`duty_rules` reads the table in force for the title's county (its published variant, if any);
`progress` is pure: the rules and the log's records in, per duty "done of required" out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ...models import Organisation, TitleHolding
from .models import DutyRecord
from .schoolyear import SchoolYear

DECISION = "annual_duties"


@dataclass(frozen=True)
class Duty:
    """One row of the duty table."""

    code: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    per: str          # "semester" or "year"
    count: int
    evidence: bool

    def name(self, english: bool) -> str:
        return self.name_en if english else self.name_zh

    def unit(self, english: bool) -> str:
        return self.unit_en if english else self.unit_zh


@dataclass(frozen=True)
class DutyProgress:
    """How far a holder is with one duty in one school year."""

    duty: Duty
    done: tuple[int, ...]  # per semester (two entries) or for the year (one entry)

    @property
    def required(self) -> int:
        return self.duty.count

    @property
    def met(self) -> bool:
        return all(value >= self.duty.count for value in self.done)

    def short_in(self, semester: int) -> bool:
        """True if the semester's count is not reached (a yearly duty: the year's)."""
        index = semester - 1 if self.duty.per == "semester" else 0
        return self.done[index] < self.duty.count


def _engine_for(county_id: int | None):
    engine = current_app.extensions["workflow_engine"]
    org = db.session.get(Organisation, county_id) if county_id else None
    return engine.for_organisation(org) if org is not None else engine


def duty_rules(level: str, category: str, county_id: int | None = None, engine=None) -> list[Duty]:
    """The duties of a level × category in the county's table (the default when it has none)."""
    engine = engine or _engine_for(county_id)
    table = engine.library.parser.get_engine(DECISION, None)
    task = SimpleNamespace(data={"level": level, "category": category},
                           workflow=SimpleNamespace(script_engine=engine.script_engine))
    rows = table.result(task).get("duty", [])
    duties = []
    for row in rows:
        code = str(row.get("code") or "").strip()
        if not code or any(duty.code == code for duty in duties):
            continue  # a row without a code (or a repeated one) cannot be logged against
        try:
            count = max(0, int(row.get("count") or 0))
        except (TypeError, ValueError):
            count = 0
        per = "semester" if row.get("per") == "semester" else "year"
        duties.append(Duty(code, str(row.get("name_zh") or code), str(row.get("name_en") or row.get("name_zh") or code),
                           str(row.get("unit_zh") or ""), str(row.get("unit_en") or ""), per, count,
                           bool(row.get("evidence"))))
    return duties


def title_duties(title: TitleHolding) -> list[Duty]:
    """The duties of one title."""
    return duty_rules(title.level, title.category, title.county_id)


# Duties that another process records for the holder: the apprentice duty is met by a pairing
# (对口帮扶) of the rotation process, whose paired teachers count as apprentices of the year.
PAIRING_DUTY = "apprentice"


def pairing_credit(title: TitleHolding, school_year: int) -> dict[str, int]:
    """What the rotation's pairings count towards the title's duties in a school year."""
    return pairing_credits([title], school_year).get(title.id, {})


def pairing_credits(titles: list[TitleHolding], school_year: int) -> dict[int, dict[str, int]]:
    """`pairing_credit` for many titles in one query: title id → credit (titles with none left out)."""
    from ..rotation_plan.pairing_results import apprentices_of

    paired = apprentices_of(sorted({title.user_id for title in titles}), school_year)
    return {title.id: {PAIRING_DUTY: len(paired[title.user_id])} for title in titles if paired.get(title.user_id)}


def progress(duties: list[Duty], records: list[DutyRecord], credit: dict[str, int] | None = None) -> list[DutyProgress]:
    """Per duty, the quantities recorded per semester (or for the year); `credit` adds what other
    processes count for a yearly duty (the pairing's apprentices), never on top of the log: the
    larger of the two counts."""
    credit = credit or {}
    result = []
    for duty in duties:
        mine = [record for record in records if record.duty == duty.code]
        if duty.per == "semester":
            done = tuple(sum(r.quantity for r in mine if r.semester == semester) for semester in (1, 2))
        else:
            done = (max(sum(r.quantity for r in mine), credit.get(duty.code, 0)),)
        result.append(DutyProgress(duty, done))
    return result


def records_of(title_id: int, school_year: int) -> list[DutyRecord]:
    """The log of one title in one school year, oldest first."""
    return list(db.session.scalars(
        select(DutyRecord).where(DutyRecord.title_id == title_id, DutyRecord.school_year == school_year)
        .order_by(DutyRecord.on_date, DutyRecord.id)))


def tally(duties: list[Duty], records: list[DutyRecord], credit: dict[str, int] | None = None) -> dict:
    """What the proposal rule reads: how many duties there are, how many are met, which are short."""
    rows = progress(duties, records, credit)
    short = [row.duty.code for row in rows if not row.met]
    return {"total": len(rows), "met": len(rows) - len(short), "missed": len(short), "short": short,
            "done": {row.duty.code: list(row.done) for row in rows}}


def current_semester_short(duties: list[Duty], records: list[DutyRecord], year: SchoolYear, on: date,
                           credit: dict[str, int] | None = None) -> list[Duty]:
    """Duties still short in the semester `on` falls in (the reminder before a semester ends),
    counted by `progress` like the holder's page and the review (`credit`: `pairing_credit`)."""
    semester = year.semester_of(on)
    return [row.duty for row in progress(duties, records, credit) if row.short_in(semester)]
