"""What other processes read about pairing (对口帮扶): the annual review counts a pairing as the
"apprentice" duty (结对带徒) of a title holder.

A school year N runs from 1 September N to 31 August N+1 (`school_year_bounds`). A pairing counts in
a school year when its period overlaps it; an activity counts when its date falls in it.
Read-only; no request context needed (an app context is).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from ...extensions import db
from .models import Pairing, PairingActivity, PairingMember


@dataclass(frozen=True)
class PairingActivityRow:
    """One joint activity as seen from one person's side of the pairing."""

    pairing_id: int
    activity_id: int
    kind: str               # demonstration_class / lesson_review / joint_preparation / lecture / other
    on_date: date
    topic: str
    side: str               # "mentor" (the title holder) or "member" (a paired teacher)
    mentor_id: int
    partner_school_id: int
    participants: tuple[int, ...]
    evidence: tuple[str, ...]


def school_year_bounds(school_year: int) -> tuple[date, date]:
    """(first day, day after the last) of school year N: 1 September N to 31 August N+1."""
    return date(school_year, 9, 1), date(school_year + 1, 9, 1)


def _pairings_of(user_id: int, school_year: int):
    first, after = school_year_bounds(school_year)
    member_of = select(PairingMember.pairing_id).where(PairingMember.user_id == user_id)
    return select(Pairing).where(
        or_(Pairing.mentor_id == user_id, Pairing.id.in_(member_of)),
        Pairing.start_date < after, Pairing.end_date > first)


def pairing_activities(user_id: int, school_year: int) -> list[PairingActivityRow]:
    """The joint activities, in school year `school_year`, of every pairing the person is in (as the
    mentor or as a paired teacher), oldest first. As mentor every activity of the pairing counts; as a
    paired teacher only those they took part in."""
    first, after = school_year_bounds(school_year)
    pairings = {p.id: p for p in db.session.scalars(_pairings_of(user_id, school_year))}
    if not pairings:
        return []
    rows = db.session.scalars(select(PairingActivity).where(
        PairingActivity.pairing_id.in_(pairings), PairingActivity.on_date >= first, PairingActivity.on_date < after)
        .order_by(PairingActivity.on_date, PairingActivity.id))
    result = []
    for activity in rows:
        pairing = pairings[activity.pairing_id]
        side = "mentor" if pairing.mentor_id == user_id else "member"
        if side == "member" and user_id not in (activity.participants or []):
            continue
        result.append(PairingActivityRow(
            pairing_id=pairing.id, activity_id=activity.id, kind=activity.kind, on_date=activity.on_date,
            topic=activity.topic, side=side, mentor_id=pairing.mentor_id, partner_school_id=pairing.partner_school_id,
            participants=tuple(activity.participants or ()), evidence=tuple(activity.evidence or ())))
    return result


def apprentices(user_id: int, school_year: int) -> list[int]:
    """User ids of the teachers paired with this mentor in pairings overlapping school year `school_year`
    (the apprentice duty: at least one per school year)."""
    return apprentices_of([user_id], school_year).get(user_id, [])


def apprentices_of(mentor_ids: list[int], school_year: int) -> dict[int, list[int]]:
    """`apprentices` for many mentors in one query: mentor id → paired teachers' ids (mentors with
    none are left out)."""
    if not mentor_ids:
        return {}
    first, after = school_year_bounds(school_year)
    found: dict[int, set[int]] = {}
    for mentor_id, member_id in db.session.execute(
            select(Pairing.mentor_id, PairingMember.user_id).join(Pairing, Pairing.id == PairingMember.pairing_id).where(
                Pairing.mentor_id.in_(mentor_ids), Pairing.start_date < after, Pairing.end_date > first)):
        found.setdefault(mentor_id, set()).add(member_id)
    return {mentor_id: sorted(members) for mentor_id, members in found.items()}
