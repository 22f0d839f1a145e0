"""Matching nominees to receiving schools with an assignment solver (SciPy's linear_sum_assignment).

Each receiving place (school × form × one of its `receives` places) is a column, each nominee a row.
A placement the form's rules forbid costs more than any set of allowed ones, so the solver first
places as many nominees as the rules allow, then prefers, in this order of weight, the teacher's
own preferences and the receiving school's shortage in the teacher's subject. Pure: no database.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from .rules import School, broken_rule

FORBIDDEN = 1_000_000.0
BASE = 100.0
PREFERENCE_BONUS = (40.0, 25.0, 10.0)  # first, second, third choice
SHORTAGE_BONUS, SURPLUS_PENALTY = 30.0, 30.0


@dataclass(frozen=True)
class Nominee:
    """A nominated person as the solver sees them."""

    id: int
    form: str
    sending: School
    subject: str | None
    preferences: tuple[int, ...] = ()


@dataclass(frozen=True)
class Placement:
    """The solver's answer for one nominee: a receiving school (None: no allowed place) and why."""

    school_id: int | None
    explanation: list


def cost(nominee: Nominee, receiving: School) -> float:
    """The cost of placing `nominee` at `receiving` (FORBIDDEN if a rule forbids it)."""
    if broken_rule(nominee.form, nominee.sending, receiving, nominee.subject) is not None:
        return FORBIDDEN
    value = BASE
    if receiving.id in nominee.preferences[:3]:
        value -= PREFERENCE_BONUS[nominee.preferences.index(receiving.id)]
    balance = receiving.balance(nominee.subject)
    if balance > 0:
        value -= SHORTAGE_BONUS
    elif balance < 0:
        value += SURPLUS_PENALTY
    return value


def explain(nominee: Nominee, receiving: School) -> list:
    """Why this school: the form's rule it meets, the subject need, the teacher's preference."""
    reasons: list = [["form_rule", {"form": nominee.form}]]
    balance = receiving.balance(nominee.subject)
    if balance > 0:
        reasons.append(["subject_short", {"subject": nominee.subject or "", "count": balance}])
    elif balance < 0:
        reasons.append(["subject_surplus", {"subject": nominee.subject or "", "count": -balance}])
    if receiving.id in nominee.preferences[:3]:
        reasons.append(["preference", {"rank": nominee.preferences.index(receiving.id) + 1}])
    elif nominee.preferences:
        reasons.append(["preference_not_met", {}])
    return reasons


def match(nominees: list[Nominee], schools: dict[int, School],
          places: dict[tuple[int, str], int]) -> dict[int, Placement]:
    """Place every nominee it can: nominee id → Placement. `places`: (school id, form) → places."""
    columns = [(school_id, form) for (school_id, form), count in sorted(places.items())
               for _ in range(max(0, count))]
    result = {n.id: Placement(None, [["no_place", {"form": n.form}]]) for n in nominees}
    if not nominees or not columns:
        return result
    matrix = np.full((len(nominees), len(columns)), FORBIDDEN)
    cache: dict[tuple[int, int], float] = {}
    for row, nominee in enumerate(nominees):
        for col, (school_id, form) in enumerate(columns):
            if form != nominee.form:
                continue
            key = (nominee.id, school_id)
            if key not in cache:
                cache[key] = cost(nominee, schools[school_id])
            matrix[row, col] = cache[key]
    rows, cols = linear_sum_assignment(matrix)
    for row, col in zip(rows, cols):
        if matrix[row, col] < FORBIDDEN:
            nominee, school = nominees[row], schools[columns[col][0]]
            result[nominee.id] = Placement(school.id, explain(nominee, school))
    return result
