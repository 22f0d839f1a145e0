"""The training's counting rules as pure functions: weights, attendance and the weighted total."""
from __future__ import annotations

# Marks that count as attended hours: late still attended the session.
ATTENDED = ("present", "late")


def parse_weights(text: str) -> list[list]:
    """'learning:20, design:20' → [['learning', 20.0], ['design', 20.0]] (ValueError on a bad entry)."""
    weights = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition(":")
        name = name.strip()
        if not sep or not name:
            raise ValueError(part)
        weights.append([name, float(value)])
    return weights


def weights_problem(weights: list[list]) -> str | None:
    """Why a weight table is not acceptable (None when it is): names, range, duplicates, sum 100."""
    if not weights:
        return "empty"
    names = [name for name, _w in weights]
    if len(set(names)) != len(names):
        return "duplicate"
    if any(not 0 < float(w) <= 100 for _n, w in weights):
        return "range"
    if abs(sum(float(w) for _n, w in weights) - 100) > 1e-6:
        return "sum"
    return None


def attendance_rate(marks: dict[int, str], hours: dict[int, float]) -> float | None:
    """Attended hours as a % of the hours of the sessions counted (`hours`: session id → hours)."""
    total = sum(hours.values())
    if total <= 0:
        return None
    attended = sum(h for session_id, h in hours.items() if marks.get(session_id) in ATTENDED)
    return round(100.0 * attended / total, 1)


def weighted_total(scores: dict[str, float], weights: list[list]) -> float | None:
    """Σ score × weight / 100 over the components; None while a component has no score."""
    if any(name not in scores for name, _w in weights):
        return None
    return round(sum(float(scores[name]) * float(w) for name, w in weights) / 100.0, 2)
