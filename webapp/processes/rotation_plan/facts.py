"""What the due-list rules read about a person, computed from their service history (pure functions).

Years are whole school years (学年) counted to the reference date, the day the plan's rotations
would start.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

TITLE_RANK = {"junior": 1, "intermediate": 2, "senior": 3, "full_senior": 4}
CONTIGUOUS_GAP_DAYS = 62  # a summer between two postings at the same school does not break service


@dataclass(frozen=True)
class SchoolFacts:
    """The school attributes the rules need."""

    id: int
    rural: bool
    weak: bool
    district: str | None


@dataclass(frozen=True)
class Stint:
    """One posting, reduced to what the facts need."""

    school: SchoolFacts
    position: str
    start: date
    end: date | None
    rotation: bool


def full_years(start: date, on: date) -> int:
    """Whole years from `start` to `on` (0 if `on` is earlier)."""
    if on <= start:
        return 0
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


def _years(days: int) -> float:
    """Days as years, one decimal (a school year of 365.25 days)."""
    return round(days / 365.25, 1)


def current_stint(stints: list[Stint], on: date) -> Stint | None:
    """The appointment running on `on` (the latest-starting one if several overlap)."""
    running = [s for s in stints if not s.rotation and s.start <= on and (s.end is None or on < s.end)]
    return max(running, key=lambda s: s.start, default=None)


def years_in_post(stints: list[Stint], current: Stint, on: date) -> int:
    """Continuous school years at the current school in the current position (gaps of a summer allowed)."""
    same = sorted((s for s in stints if not s.rotation and s.school.id == current.school.id
                   and s.position == current.position and s.start <= current.start), key=lambda s: s.start)
    start = current.start
    for earlier in reversed(same[:-1]):
        if earlier.end is not None and (start - earlier.end).days <= CONTIGUOUS_GAP_DAYS:
            start = earlier.start
        else:
            break
    return full_years(start, on)


def served_days(stints: list[Stint], on: date, where) -> int:
    """Days served up to `on` in postings (appointments or rotations) whose school satisfies `where`."""
    total = 0
    for stint in stints:
        end = min(stint.end or on, on)
        if end > stint.start and where(stint):
            total += (end - stint.start).days
    return total


def person_facts(stints: list[Stint], *, hire_date: date | None, title_grade: str | None,
                 plans_senior: bool, holds_title: bool, rotating: bool, on: date) -> dict | None:
    """The facts of `workflows/rotation_due.dmn` for one person; None without a current posting."""
    current = current_stint(stints, on)
    if current is None:
        return None
    first = min((s for s in stints if not s.rotation), key=lambda s: s.start)
    home_district = current.school.district
    rural_days = served_days(stints, on, lambda s: s.school.rural)
    # Exchange service for the senior title: a rural school, or a school of another supervision district.
    exchange_days = served_days(
        stints, on, lambda s: s.school.rural or (s.rotation and s.school.district != home_district))
    return {
        "position": current.position,
        "years_in_post": years_in_post(stints, current, on),
        "school_urban": not current.school.rural,
        "school_weak": current.school.weak,
        "hired_urban": not first.school.rural,
        "years_since_hire": full_years(hire_date or first.start, on),
        "rural_years": _years(rural_days),
        "exchange_years": _years(exchange_days),
        "title_rank": TITLE_RANK.get(title_grade or "", 0),
        "plans_senior": bool(plans_senior),
        "holds_title": bool(holds_title),
        "rotating": bool(rotating),
    }
