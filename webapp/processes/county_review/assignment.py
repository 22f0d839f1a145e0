"""Which experts score which candidates: conflict-free panels, solved as a small integer programme.

Pure functions over plain values. An expert may score a candidate only when they are not the
candidate, do not belong to the candidate's school, and serve the candidate's subject (an expert
with no subject listed serves every subject). Each candidate gets `panel_size` experts, or every
eligible one when there are fewer (reported as a shortage). Among such assignments the solver
(SciPy's HiGHS MILP) picks one whose busiest expert has the least work. Experts who serve one
subject form that subject's panel by themselves; generalists fill in where a subject lacks them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix


@dataclass(frozen=True)
class Candidate:
    """Who is scored: id, the teacher's user id, school and subject."""

    id: int
    teacher_id: int
    school_id: int
    subject: str


@dataclass(frozen=True)
class Expert:
    """Who scores: user id, the schools they belong to, the subjects they serve (empty: all)."""

    id: int
    school_ids: frozenset = frozenset()
    subjects: frozenset = frozenset()


@dataclass
class Assignment:
    """Candidate id → expert ids, and candidates that got fewer experts than the panel size."""

    panels: dict[int, list[int]] = field(default_factory=dict)
    short: dict[int, int] = field(default_factory=dict)  # candidate id → experts found


def conflict(candidate: Candidate, expert: Expert) -> str | None:
    """Why the expert may not score the candidate ("self", "same_school", "subject"), or None."""
    if expert.id == candidate.teacher_id:
        return "self"
    if candidate.school_id in expert.school_ids:
        return "same_school"
    if expert.subjects and candidate.subject not in expert.subjects:
        return "subject"
    return None


def assign(candidates: list[Candidate], experts: list[Expert], panel_size: int) -> Assignment:
    """A conflict-free assignment that keeps the busiest expert's load as small as possible."""
    pairs = [(c, e) for c in candidates for e in experts if conflict(c, e) is None]
    result = Assignment(panels={c.id: [] for c in candidates})
    eligible: dict[int, int] = {}
    for candidate, _expert in pairs:
        eligible[candidate.id] = eligible.get(candidate.id, 0) + 1
    need = {c.id: min(panel_size, eligible.get(c.id, 0)) for c in candidates}
    result.short = {c.id: need[c.id] for c in candidates if need[c.id] < panel_size}
    if not pairs or panel_size <= 0:
        return result
    # Variables: one 0/1 per eligible pair, then the maximum load L (continuous).
    load_var = len(pairs)
    candidate_row = {c.id: i for i, c in enumerate(candidates)}
    expert_row = {e.id: len(candidates) + i for i, e in enumerate(experts)}
    matrix = lil_matrix((len(candidates) + len(experts), load_var + 1))
    lower = np.zeros(len(candidates) + len(experts))
    upper = np.zeros(len(candidates) + len(experts))
    for index, (candidate, expert) in enumerate(pairs):
        matrix[candidate_row[candidate.id], index] = 1
        matrix[expert_row[expert.id], index] = 1
    for candidate in candidates:  # exactly the panel (or every eligible expert)
        lower[candidate_row[candidate.id]] = upper[candidate_row[candidate.id]] = need[candidate.id]
    for expert in experts:  # each expert's load minus L ≤ 0
        matrix[expert_row[expert.id], load_var] = -1
        lower[expert_row[expert.id]] = -np.inf
    cost = np.zeros(load_var + 1)
    cost[load_var] = 1
    integrality = np.ones(load_var + 1)
    integrality[load_var] = 0
    upper_bounds = np.ones(load_var + 1)
    upper_bounds[load_var] = np.inf
    solution = milp(cost, constraints=LinearConstraint(matrix.tocsr(), lower, upper),
                    integrality=integrality, bounds=Bounds(np.zeros(load_var + 1), upper_bounds),
                    options={"time_limit": 30})
    if solution.x is None:
        raise RuntimeError(f"no expert assignment found: {solution.message}")
    for index, (candidate, expert) in enumerate(pairs):
        if solution.x[index] > 0.5:
            result.panels[candidate.id].append(expert.id)
    return result
