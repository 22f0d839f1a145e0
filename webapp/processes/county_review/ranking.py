"""The review's rules as pure functions: the rubric, the aggregate score, and 差额 selection.

No database here, so each rule can be tested at its boundaries. Scores are exact fractions:
two candidates tie only when their aggregates are really equal, not when floats round alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

# Facts a tie-break rule may name; larger values rank first unless the rule says "+" (smaller first).
TIE_KEYS = {"opinion", "years_teaching", "age"}
# The research staff's opinion as a tie-break fact.
OPINION_VALUE = {"recommend": 1, "neutral": 0, "not_recommend": -1}
CRITERION_NAME = r"[a-z][a-z0-9_]{0,31}"


def parse_rubric(text: str) -> list[tuple[str, int]]:
    """Parse "teaching:40, research:30, growth:30" into criteria with their maximum points."""
    import re

    rubric: list[tuple[str, int]] = []
    for part in (text or "").split(","):
        name, _sep, points = part.strip().partition(":")
        name, points = name.strip(), points.strip()
        if not re.fullmatch(CRITERION_NAME, name) or not points.isdigit() or not 0 < int(points) <= 1000:
            raise ValueError(f"rubric entry {part.strip()!r} is not 'criterion:points' (points 1–1000)")
        if any(name == known for known, _max in rubric):
            raise ValueError(f"rubric names {name!r} twice")
        rubric.append((name, int(points)))
    if not rubric:
        raise ValueError("the rubric names no criterion")
    return rubric


def parse_tie_break(rule: str) -> list[tuple[str, bool]]:
    """Parse "-opinion, -years_teaching": keys in order; "-" = larger first (default), "+" smaller first."""
    keys = []
    for part in (rule or "").split(","):
        part = part.strip()
        if not part:
            continue
        name = part.lstrip("+-").strip()
        if name not in TIE_KEYS:
            raise ValueError(f"unknown tie-break key {name!r} (allowed: {', '.join(sorted(TIE_KEYS))})")
        keys.append((name, part.startswith("+")))
    return keys


def check_scores(rubric: list[tuple[str, int]], raw: dict[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    """Read one score sheet: criterion → whole points from 0 to its maximum.

    Returns (scores, errors); an error is "missing", "not_a_number" or "out_of_range" per criterion.
    """
    scores, errors = {}, {}
    for name, maximum in rubric:
        value = (raw.get(name) or "").strip()
        if not value:
            errors[name] = "missing"
        elif not value.isdigit():
            errors[name] = "not_a_number"
        elif int(value) > maximum:
            errors[name] = "out_of_range"
        else:
            scores[name] = int(value)
    return scores, errors


def aggregate(totals: list[float | int], trim_at: int) -> Fraction | None:
    """The final score: the mean, after dropping one highest and one lowest when there are ≥ trim_at.

    `trim_at` 0 never trims. None when nobody scored.
    """
    values = sorted(Fraction(str(total)) for total in totals)
    if not values:
        return None
    if trim_at and len(values) >= max(trim_at, 3):
        values = values[1:-1]
    return sum(values, Fraction(0)) / len(values)


def places_for_scored(places: int, fast_track: int, fast_track_in_quota: bool) -> int:
    """Places left for scored candidates once fast-track candidates are in."""
    return max(0, places - fast_track) if fast_track_in_quota else places


def margin_met(scored: int, places: int, ratio: str | float) -> bool:
    """差额: the scored candidates must be at least `ratio` × the places (none needed for no places)."""
    return places == 0 or Fraction(scored) >= Fraction(str(ratio)) * places


def reserve_places(places: int, ratio: str | float) -> int:
    """How long the reserve list is: `ratio` × places, rounded up, at least one when there are places."""
    if places <= 0:
        return 0
    return max(1, -(-Fraction(str(ratio)) * places // 1))


@dataclass(frozen=True)
class Entry:
    """A scored candidate: id, aggregate score, facts a tie-break may use."""

    id: int
    score: Fraction
    facts: dict = field(default_factory=dict)


@dataclass
class Selection:
    """The outcome of ranking a review."""

    order: list[int]                 # every scored candidate, best first
    formal: list[int]                # within the places
    reserve: list[int]               # the next ones, best first
    not_selected: list[int]
    tie: list[int] = field(default_factory=list)  # tied across the line; the office decides
    tie_places: int = 0              # how many of `tie` fit within the places


def select(entries: list[Entry], places: int, reserve: int, tie_break: list[tuple[str, bool]]) -> Selection:
    """Rank by score then the tie-break keys; the best `places` are formal, the next `reserve` reserve.

    A group still tied across the formal line is left to the office (`tie`); ties elsewhere keep
    their candidates together on the same side.
    """

    def sort_key(entry: Entry) -> tuple:
        key: list = [-entry.score]
        for name, ascending in tie_break:
            value = entry.facts.get(name) or 0
            key.append(value if ascending else -value)
        return tuple(key)

    ranked = sorted(entries, key=lambda e: (sort_key(e), e.id))
    groups: list[list[int]] = []
    previous = None
    for entry in ranked:
        if groups and sort_key(entry) == previous:
            groups[-1].append(entry.id)
        else:
            groups.append([entry.id])
        previous = sort_key(entry)
    result = Selection(order=[e.id for e in ranked], formal=[], reserve=[], not_selected=[])
    for ids in groups:
        room = places - len(result.formal) - len(result.tie)
        if result.tie or room <= 0:
            if len(result.reserve) < reserve:
                result.reserve += ids
            else:
                result.not_selected += ids
        elif len(ids) <= room:
            result.formal += ids
        else:
            result.tie, result.tie_places = ids, room
    return result
