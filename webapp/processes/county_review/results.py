"""The review's result as later processes read it (training, the next level's pool).

Only reviews whose notice is over (status ``done``) count: during the notice the list may change.
"""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from .models import ReviewCandidate, ReviewCandidateStatus, ReviewRound, ReviewStatus


def _final(cycle_id: int, status: ReviewCandidateStatus) -> list[ReviewCandidate]:
    return list(db.session.scalars(
        select(ReviewCandidate).join(ReviewRound)
        .where(ReviewCandidate.cycle_id == cycle_id, ReviewCandidate.status == status,
               ReviewRound.status == ReviewStatus.done)
        .order_by(ReviewCandidate.rank, ReviewCandidate.id)
    ))


def formal_candidates(cycle_id: int) -> list[ReviewCandidate]:
    """The call's formal candidates (正式候选人), fast-track ones first, then by rank."""
    return _final(cycle_id, ReviewCandidateStatus.formal)


def reserve_list(cycle_id: int) -> list[ReviewCandidate]:
    """The call's reserve list in rank order: supplements (及时补充) are drawn from its head."""
    return _final(cycle_id, ReviewCandidateStatus.reserve)
