"""Counting a round: the pass threshold, ranking by votes, and tie-breaking by a configurable rule.

Pure functions over plain values, so the rules can be tested at every boundary without a database.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Facts a tie-break rule may name; larger values rank first unless the rule says "+" (smaller first).
TIE_KEYS = {"years_teaching", "age"}


@dataclass(frozen=True)
class Entry:
    """One candidate as counted: id, votes, and the facts a tie-break may use."""

    id: int
    votes: int
    facts: dict = field(default_factory=dict)


@dataclass
class Ranking:
    """The outcome of counting a round."""

    order: list[int]                 # every passed candidate, best first (tie group in its place)
    recommended: list[int]           # within the quota
    reserve: list[int]               # passed, below the quota line, best first
    not_passed: list[int]
    tie: list[int] = field(default_factory=list)  # tied across the quota line; the administrator decides
    tie_places: int = 0              # how many of `tie` fit within the quota


def parse_tie_break(rule: str) -> list[tuple[str, bool]]:
    """Parse a rule like "-years_teaching, -age": keys in order; "-" = larger first (default)."""
    keys = []
    for part in (rule or "").split(","):
        part = part.strip()
        if not part:
            continue
        ascending = part.startswith("+")
        name = part.lstrip("+-").strip()
        if name not in TIE_KEYS:
            raise ValueError(f"unknown tie-break key {name!r} (allowed: {', '.join(sorted(TIE_KEYS))})")
        keys.append((name, ascending))
    return keys


def passes(votes: int, ballots_cast: int, numerator: int, denominator: int, strict: bool) -> bool:
    """Whether `votes` meet the threshold numerator/denominator of the ballots cast."""
    if ballots_cast <= 0:
        return False
    left, right = votes * denominator, ballots_cast * numerator
    return left > right if strict else left >= right


def quorum_met(ballots_cast: int, members: int, numerator: int, denominator: int) -> bool:
    """Whether at least numerator/denominator of the members voted."""
    return members > 0 and ballots_cast * denominator >= members * numerator


def rank(entries: list[Entry], quota: int, passed_ids: set[int], tie_break: list[tuple[str, bool]]) -> Ranking:
    """Order passed candidates by votes, then the tie-break keys; find a tie across the quota line."""

    def sort_key(entry: Entry) -> tuple:
        key = [-entry.votes]
        for name, ascending in tie_break:
            value = entry.facts.get(name) or 0
            key.append(value if ascending else -value)
        return tuple(key)

    passed = sorted((e for e in entries if e.id in passed_ids), key=lambda e: (sort_key(e), e.id))
    groups: list[list[Entry]] = []
    for entry in passed:
        if groups and sort_key(groups[-1][0]) == sort_key(entry):
            groups[-1].append(entry)
        else:
            groups.append([entry])
    result = Ranking(order=[e.id for e in passed], recommended=[], reserve=[],
                     not_passed=[e.id for e in entries if e.id not in passed_ids])
    for group in groups:
        ids = [e.id for e in group]
        room = quota - len(result.recommended)
        if room <= 0 or result.tie:
            result.reserve += ids
        elif len(ids) <= room:
            result.recommended += ids
        else:
            result.tie, result.tie_places = ids, room
    return result
