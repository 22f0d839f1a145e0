"""Where a review's candidates come from, per level: one pool provider per level of the title.

County level: the lists schools reported after their vote (`vote_round` reported, its
`round_candidate` rows recommended). City and province levels will draw on the title register
(active titles of the level below), which the training and conferral issue builds; until then
a review at those levels is refused with a clear message.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...core.errors import Conflict
from ...extensions import db
from ...models import ApplicationCycle, Organisation, OrgKind
from ..school_vote.models import CandidateStatus, RoundCandidate, RoundStatus, VoteRound
from ..self_application.operations import declaration_of

FAST_TRACK_HONOUR = "class_competition"  # 优质课竞赛一等奖, declared on the application


@dataclass(frozen=True)
class PoolEntry:
    """One candidate entering a review, whatever the source."""

    source: str               # "school_list" (a recommended round candidate) or, later, "title"
    source_id: int
    application_id: int | None
    teacher_id: int
    school_id: int
    subject: str
    claims_fast_track: bool


def _reported(cycle: ApplicationCycle, office: Organisation, what):
    """`what` over the recommended candidates of the rounds the office's schools reported for the call."""
    return (select(what).select_from(RoundCandidate).join(VoteRound)
            .join(Organisation, Organisation.id == VoteRound.school_id)
            .where(VoteRound.cycle_id == cycle.id, VoteRound.status == RoundStatus.reported,
                   RoundCandidate.status == CandidateStatus.recommended,
                   Organisation.path.startswith(office.path, autoescape=True)))


def school_lists(cycle: ApplicationCycle, office: Organisation) -> list[PoolEntry]:
    """Every recommended candidate of every round the office's schools reported for the call."""
    rows = db.session.scalars(_reported(cycle, office, RoundCandidate).order_by(RoundCandidate.id)).all()
    entries = []
    for row in rows:
        _form, answers = declaration_of(row.application)
        honours = (answers or {}).get("honours") or []
        entries.append(PoolEntry(
            source="school_list", source_id=row.id, application_id=row.application_id,
            teacher_id=row.teacher_id, school_id=row.round.school_id,
            subject=row.application.subject or (answers or {}).get("subject") or "",
            claims_fast_track=FAST_TRACK_HONOUR in honours,
        ))
    return entries


def unreported_schools(cycle: ApplicationCycle, office: Organisation) -> list[tuple[Organisation, VoteRound | None]]:
    """The office's schools that have not reported a list for the call, with their latest round."""
    schools = db.session.scalars(
        select(Organisation).where(Organisation.kind == OrgKind.school,
                                   Organisation.path.startswith(office.path, autoescape=True))
        .order_by(Organisation.name)
    ).all()
    rounds: dict[int, VoteRound] = {}
    for round_ in db.session.scalars(
        select(VoteRound).where(VoteRound.cycle_id == cycle.id, VoteRound.school_id.in_([s.id for s in schools]))
        .order_by(VoteRound.id)
    ):
        if rounds.get(round_.school_id) is None or rounds[round_.school_id].status is not RoundStatus.reported:
            rounds[round_.school_id] = round_
    return [(school, rounds.get(school.id)) for school in schools
            if rounds.get(school.id) is None or rounds[school.id].status is not RoundStatus.reported]


def school_list_size(cycle: ApplicationCycle, office: Organisation) -> int:
    """How many candidates the schools' lists hold (one query, for the overview)."""
    return int(db.session.scalar(_reported(cycle, office, func.count(RoundCandidate.id))))


POOL_PROVIDERS: dict[str, Callable[[ApplicationCycle, Organisation], list[PoolEntry]]] = {
    "county": school_lists,
}
POOL_SIZES: dict[str, Callable[[ApplicationCycle, Organisation], int]] = {
    "county": school_list_size,
}


def pool_for(cycle: ApplicationCycle, office: Organisation) -> list[PoolEntry]:
    """The pool of the call's review at its level; a level without a provider is refused."""
    provider = POOL_PROVIDERS.get(cycle.level)
    if provider is None:
        raise Conflict(_("Reviews at this level draw on the title register, which is not available yet."))
    return provider(cycle, office)


def pool_size(cycle: ApplicationCycle, office: Organisation) -> int:
    """How many candidates the call's review would start with (0 where the level has no provider yet)."""
    counter = POOL_SIZES.get(cycle.level)
    return counter(cycle, office) if counter is not None else 0
