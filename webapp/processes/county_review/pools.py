"""Where a review's candidates come from, per level: one pool provider per level of the title.

County level: the lists schools reported after their vote (`vote_round` reported, its
`round_candidate` rows recommended). City and province levels draw on the title register: "county
title holders are the candidate pool for municipal titles, municipal for provincial" (domain §1;
seed 002 六.1: the district *lists all* its existing district backbone teachers as candidates for the
municipal title). So every active title of the level below and the call's category, registered in
one of the office's counties (or cities) and held by an active teacher who still teaches there, enters
— no county-level selection in between — except teachers who already hold the call's own title.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ...core.errors import Conflict
from ...extensions import db
from ...models import ApplicationCycle, Organisation, OrgKind, TeacherProfile, TitleHolding, User
from ..school_vote.models import CandidateStatus, RoundCandidate, RoundStatus, VoteRound
from ..self_application.models import Application
from ..self_application.operations import declarations_of

FAST_TRACK_HONOUR = "class_competition"  # 优质课竞赛一等奖, declared on the application


@dataclass(frozen=True)
class PoolEntry:
    """One candidate entering a review, whatever the source."""

    source: str               # "school_list" (a recommended round candidate) or "title" (a title of the level below)
    source_id: int            # the round candidate's id, or the title's (`title_holding.id`)
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
    """Every recommended candidate of every round the office's schools reported for the call.

    Two queries whatever the number of candidates: the candidates with their school and subject,
    and their declarations (for the fast-track honour and a subject the application lacks).
    """
    rows = db.session.execute(
        _reported(cycle, office, RoundCandidate.id).add_columns(
            RoundCandidate.application_id, RoundCandidate.teacher_id, VoteRound.school_id, Application.subject)
        .join(Application, Application.id == RoundCandidate.application_id)
        .order_by(RoundCandidate.id)
    ).all()
    declarations = declarations_of(row.application_id for row in rows)
    entries = []
    for candidate_id, application_id, teacher_id, school_id, subject in rows:
        answers = declarations.get(application_id, (None, None))[1] or {}
        entries.append(PoolEntry(
            source="school_list", source_id=candidate_id, application_id=application_id,
            teacher_id=teacher_id, school_id=school_id,
            subject=subject or answers.get("subject") or "",
            claims_fast_track=FAST_TRACK_HONOUR in (answers.get("honours") or []),
        ))
    return entries


def unreported_schools(cycle: ApplicationCycle, office: Organisation) -> list[tuple[Organisation, VoteRound | None]]:
    """The office's schools that have not reported a list for the call, with their latest round
    (none above county level: those pools come from the title register, not from schools)."""
    if cycle.level not in SCHOOL_LIST_LEVELS:
        return []
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


# The level of title whose active holders make up the pool of a call at each higher level.
LEVEL_BELOW = {"city": "county", "province": "city"}


def _held(cycle: ApplicationCycle, office: Organisation, *what):
    """`what` over the active titles of the level below in the call's category, registered within the
    office's area and held by an active teacher of a school there, who does not hold the call's title yet."""
    register = aliased(Organisation)
    school = aliased(Organisation)
    has_it = aliased(TitleHolding)
    already = (select(has_it.id).where(has_it.user_id == TitleHolding.user_id, has_it.active.is_(True),
                                       has_it.level == cycle.level, has_it.category == cycle.category)
               .exists())
    return (select(*what).select_from(TitleHolding)
            .join(register, register.id == TitleHolding.county_id)
            .join(TeacherProfile, TeacherProfile.user_id == TitleHolding.user_id)
            .join(school, school.id == TeacherProfile.school_id)
            .join(User, User.id == TitleHolding.user_id)
            .where(TitleHolding.active.is_(True), TitleHolding.level == LEVEL_BELOW[cycle.level],
                   TitleHolding.category == cycle.category, User.is_active_flag.is_(True),
                   register.path.startswith(office.path, autoescape=True),
                   school.path.startswith(office.path, autoescape=True), ~already))


def title_holders(cycle: ApplicationCycle, office: Organisation) -> list[PoolEntry]:
    """Every active title of the level below in the call's category within the office's area (one per teacher)."""
    rows = db.session.execute(
        _held(cycle, office, TitleHolding.id, TitleHolding.user_id, TeacherProfile.school_id, TitleHolding.subject)
        .order_by(TitleHolding.user_id, TitleHolding.valid_from.desc(), TitleHolding.id)
    ).all()
    entries, seen = [], set()
    for title_id, user_id, school_id, subject in rows:
        if user_id not in seen:
            seen.add(user_id)
            entries.append(PoolEntry(source="title", source_id=title_id, application_id=None, teacher_id=user_id,
                                     school_id=school_id, subject=subject or "", claims_fast_track=False))
    return entries


def title_holder_count(cycle: ApplicationCycle, office: Organisation) -> int:
    """How many teachers the pool from the register holds (one query, for the overview)."""
    return int(db.session.scalar(_held(cycle, office, func.count(func.distinct(TitleHolding.user_id)))))


SCHOOL_LIST_LEVELS = ("county",)
POOL_PROVIDERS: dict[str, Callable[[ApplicationCycle, Organisation], list[PoolEntry]]] = {
    "county": school_lists,
    "city": title_holders,
    "province": title_holders,
}
POOL_SIZES: dict[str, Callable[[ApplicationCycle, Organisation], int]] = {
    "county": school_list_size,
    "city": title_holder_count,
    "province": title_holder_count,
}


def pool_for(cycle: ApplicationCycle, office: Organisation) -> list[PoolEntry]:
    """The pool of the call's review at its level; a level without a provider is refused."""
    provider = POOL_PROVIDERS.get(cycle.level)
    if provider is None:
        raise Conflict(_("There is no pool of candidates for a review at this level."))
    return provider(cycle, office)


def empty_pool_message(cycle: ApplicationCycle) -> str:
    """Why a review cannot open with nobody in its pool, in the level's terms."""
    if cycle.level in SCHOOL_LIST_LEVELS:
        return _("No school has reported a recommended candidate for this call yet; there is nobody to review.")
    return _("Nobody in the area holds an active title of the level below in this category; there is nobody to review.")


def pool_size(cycle: ApplicationCycle, office: Organisation) -> int:
    """How many candidates the call's review would start with (0 where the level has no provider yet)."""
    counter = POOL_SIZES.get(cycle.level)
    return counter(cycle, office) if counter is not None else 0
