"""Who sits on a school's committee, and how the recommended list changes when someone leaves it."""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import RoleAssignment
from ...roles import Role
from .models import CandidateStatus, NoticeChange, RoundCandidate, RoundStatus

# Once the list is published, every change to it is published too.
PUBLISHED = (RoundStatus.notice, RoundStatus.reporting)


def committee_member_ids(school_id: int) -> list[int]:
    """Users holding the qualification-committee role at the school, in a stable order."""
    return list(db.session.scalars(
        select(RoleAssignment.user_id)
        .filter_by(role=Role.school_committee, org_id=school_id)
        .order_by(RoleAssignment.user_id)
    ))


def remove_from_list(candidate: RoundCandidate, status: CandidateStatus) -> RoundCandidate | None:
    """Take a candidate out (objection upheld, withdrawal); the best reserve moves up if one was recommended.

    Returns the promoted candidate, if any. On a published list both changes are published.
    """
    round_ = candidate.round
    was_recommended = candidate.status is CandidateStatus.recommended
    candidate.status = status
    promoted = None
    if was_recommended and round_.status is not RoundStatus.voting:
        reserve = sorted(
            (c for c in round_.candidates if c.status is CandidateStatus.reserve), key=lambda c: (c.rank or 0, c.id)
        )
        if reserve:
            promoted = reserve[0]
            promoted.status = CandidateStatus.recommended
    if round_.status in PUBLISHED:
        db.session.add(NoticeChange(round_id=round_.id, kind=status.value, candidate_id=candidate.id))
        if promoted is not None:
            db.session.add(NoticeChange(round_id=round_.id, kind="promoted", candidate_id=promoted.id))
    db.session.flush()
    return promoted
