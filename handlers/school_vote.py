"""Handlers for the school vote (workflows/school_vote.bpmn).

Ballots are counted by `record_ballot`, which the service layer calls for the secret ballot step
instead of storing the answers: it records *that* the member voted (a receipt) and adds one to
each chosen candidate's count. Nothing links a member to a name.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from webapp.calendar import end_of_working_days, local_zone
from webapp.core.errors import Conflict, InvalidInput
from webapp.extensions import db
from webapp.models import TeacherProfile, User, utcnow
from webapp.processes.objection.models import Objection, ObjectionStatus
from webapp.processes.school_vote import events, ranking
from webapp.processes.school_vote.deadlines import last_day, voting_deadline
from webapp.processes.school_vote.membership import committee_member_ids
from webapp.processes.school_vote.models import BallotReceipt, CandidateStatus, RoundCandidate, RoundStatus, VoteRound

from . import handler
from .self_application import _full_years


def _round(round_id) -> VoteRound:
    """The round the process is about, with its cycle (the title every message about it names).

    Within an advance the row stays in the session (webapp.workflow.advance.rows_kept_for_the_advance): the
    handlers of one step read it once.
    """
    row = db.session.get(VoteRound, int(round_id), options=[joinedload(VoteRound.cycle)])
    if row is None:
        raise LookupError(f"vote round {round_id} does not exist")
    return row


@handler("pending_voters", "Committee members of the round's school who have not voted yet (ballot recipients).")
def pending_voters(round_id) -> list[int]:
    """Members who still get a ballot: everyone at opening, then those who did not vote."""
    round_ = _round(round_id)
    voted = set(db.session.scalars(select(BallotReceipt.voter_id).filter_by(round_id=round_.id)))
    voters = [member for member in committee_member_ids(round_.school_id) if member not in voted]
    if round_.instance_id is not None:  # at opening the round learns its instance later: open_round tells them
        events.ballots_issued(round_, voters)
    return voters


@handler("record_ballot", "Count one secret ballot (called by the service layer, not from a diagram).")
def record_ballot(context: dict, user_id: int, answers: dict) -> None:
    """Add a receipt for the voter and one vote to each chosen candidate; keep nothing else."""
    round_ = _round(context["round_id"])
    if round_.status is not RoundStatus.voting:
        raise Conflict(_("Voting in this round has closed."))
    choices = {int(value) for value in (answers.get("choices") or [])}
    if len(choices) > round_.quota:
        raise Conflict(_("A ballot may name at most %(quota)d candidates.", quota=round_.quota))
    # One INSERT, not a flush of the session: a second ballot of the same member fails here (unique receipt).
    db.session.execute(insert(BallotReceipt).values(round_id=round_.id, voter_id=user_id))
    if choices:
        db.session.execute(
            update(RoundCandidate)
            .where(RoundCandidate.round_id == round_.id, RoundCandidate.id.in_(choices),
                   RoundCandidate.status == CandidateStatus.candidate)
            .values(votes=RoundCandidate.votes + 1)
            .execution_options(synchronize_session=False)
        )
    # Written with the round's other changes in the final flush (the closing ballot's status and
    # closing time go in the same UPDATE). A count read before a concurrent ballot committed is
    # never kept: that ballot changed the instance's version, so this transaction fails the
    # version check of the instance's final UPDATE and rolls back (the service layer's retry
    # replays it on the new state).
    round_.ballots_cast += 1
    # The candidates' counts are read afresh if this step needs them (the closing ballot).
    for candidate_id in choices:
        candidate = db.session.identity_map.get(db.session.identity_key(RoundCandidate, candidate_id))
        if candidate is not None:
            db.session.expire(candidate, ["votes"])


def _candidates_with_people(round_: VoteRound) -> dict[int, tuple[str, date, date]]:
    """Load the round's candidates, with each one's name, start of teaching and birth date, in one query.

    Reading them through `candidate.teacher.profile` cost three queries per candidate (the user,
    its roles, its profile); a joined eager load of those was measured slower still. The
    candidates become the round's loaded collection (ordered by id, as the relationship is).
    """
    rows = db.session.execute(  # no autoflush: the round's closing time is written with its status, once
        select(RoundCandidate, User.display_name, TeacherProfile.teaching_start_date, TeacherProfile.birth_date)
        .join(User, User.id == RoundCandidate.teacher_id)
        .join(TeacherProfile, TeacherProfile.user_id == RoundCandidate.teacher_id)
        .where(RoundCandidate.round_id == round_.id).order_by(RoundCandidate.id)
        .execution_options(populate_existing=True, autoflush=False)
    ).all()
    set_committed_value(round_, "candidates", [row[0] for row in rows])
    return {candidate.id: (name, teaching_start, birth) for candidate, name, teaching_start, birth in rows}


def _facts(person: tuple[str, date, date], on: date) -> dict:
    """The facts a tie-break rule may name."""
    _name, teaching_start, birth = person
    return {"years_teaching": _full_years(teaching_start, on), "age": _full_years(birth, on)}


def _names(candidates: list[RoundCandidate], separator: str, people: dict | None = None) -> str:
    if people is not None:
        return separator.join(people[c.id][0] for c in candidates)
    return separator.join(c.teacher.display_name for c in candidates)


@handler("close_round", "Count the round: quorum, pass threshold, ranking with the tie-break rule (from vote_rules).")
def close_round(round_id, rules: dict) -> dict:
    """Close voting and apply the local rules; returns the tally the diagram branches on."""
    round_ = _round(round_id)  # current: read in this transaction, after the instance's lock
    members = round_.members
    # Each ballot adds its receipt and one to `ballots_cast` in the same transaction, and one
    # that read a stale count fails the instance's version check: the count is current without
    # a COUNT(*) (a timer closing the round reads the row after claiming the instance).
    cast = round_.ballots_cast
    round_.closed_dt = utcnow()
    numerator, denominator = int(rules["quorum_num"]), int(rules["quorum_den"])
    tally = {
        "members": members, "ballots_cast": cast,
        "quorum_needed": -(-members * numerator // denominator),
        "quorum_met": ranking.quorum_met(cast, members, numerator, denominator),
        "tie": False, "tie_places": 0, "tie_options": [], "tie_names": "", "tie_names_en": "",
    }
    if not tally["quorum_met"]:
        round_.status = RoundStatus.no_quorum
        return tally
    people = _candidates_with_people(round_)
    live = [c for c in round_.candidates if c.status is CandidateStatus.candidate]
    on = round_.closed_dt.astimezone(local_zone()).date()
    entries = [ranking.Entry(c.id, c.votes, _facts(people[c.id], on)) for c in live]
    passed = {
        e.id for e in entries
        if ranking.passes(e.votes, cast, int(rules["pass_num"]), int(rules["pass_den"]), bool(rules["pass_strict"]))
    }
    result = ranking.rank(entries, round_.quota, passed, ranking.parse_tie_break(rules.get("tie_break", "")))
    by_id = {c.id: c for c in live}
    outcome = {c.id: {"rank": c.rank, "passed": c.passed, "status": c.status} for c in live}
    for position, candidate_id in enumerate(result.order, start=1):
        outcome[candidate_id].update(rank=position, passed=True)
    for candidate_id in result.recommended:
        outcome[candidate_id]["status"] = CandidateStatus.recommended
    for candidate_id in result.reserve:
        outcome[candidate_id]["status"] = CandidateStatus.reserve
    for candidate_id in result.not_passed:
        outcome[candidate_id].update(status=CandidateStatus.not_passed, passed=False)
    _write_candidates(by_id, outcome)
    if result.tie:
        tied = [by_id[i] for i in result.tie]
        round_.status = RoundStatus.tie
        tally.update(
            tie=True, tie_places=result.tie_places,
            tie_options=[{"value": str(c.id), "title": f"{people[c.id][0]}（{c.votes} 票）",
                          "title_en": f"{people[c.id][0]} ({c.votes} votes)"} for c in tied],
            tie_names=_names(tied, "、", people), tie_names_en=_names(tied, ", ", people),
        )
    return tally


def _write_candidates(by_id: dict[int, RoundCandidate], outcome: dict[int, dict]) -> None:
    """Each candidate's rank, pass and status in one executemany UPDATE (the ORM sent one UPDATE
    per distinct set of changed columns); the loaded rows keep what it wrote."""
    if not outcome:
        return
    table = RoundCandidate.__table__
    db.session.connection().execute(
        update(table).where(table.c.id == bindparam("candidate_id"))
        .values(rank=bindparam("new_rank"), passed=bindparam("new_passed"), status=bindparam("new_status")),
        [{"candidate_id": candidate_id, "new_rank": values["rank"], "new_passed": values["passed"],
          "new_status": values["status"]} for candidate_id, values in outcome.items()],
    )
    for candidate_id, values in outcome.items():
        for key, value in values.items():
            set_committed_value(by_id[candidate_id], key, value)


@handler("extend_round", "Reopen voting until the end of a new date (after today) for members who have not voted.")
def extend_round(round_id, new_deadline) -> dict:
    """A new deadline at midnight closing `new_deadline` (local time); refused if not after today."""
    round_ = _round(round_id)
    try:
        deadline = voting_deadline(str(new_deadline))
    except InvalidInput:
        return {"ok": False}
    round_.ballot_deadline_dt = deadline
    round_.status = RoundStatus.voting
    round_.closed_dt = None
    return {"ok": True, "deadline": deadline.isoformat(), "last_day": last_day(deadline)}


@handler("cancel_round", "Cancel a round; its applications stay accepted and may enter a new round.")
def cancel_round(round_id) -> bool:
    """Mark the round cancelled."""
    _round(round_id).status = RoundStatus.cancelled
    return True


@handler("apply_tie_decision", "Record the administrator's choice among candidates tied across the quota line.")
def apply_tie_decision(round_id, chosen: list, note: str) -> dict:
    """The chosen become recommended, the other tied candidates reserve; the reason is recorded."""
    round_ = _round(round_id)
    tied = [c for c in round_.candidates if c.status is CandidateStatus.candidate and c.passed]
    chosen_ids = {int(value) for value in chosen or []}
    if not chosen_ids <= {c.id for c in tied}:
        raise ValueError("the choice names a candidate outside the tie")
    reserve = sorted((c for c in round_.candidates if c.status is CandidateStatus.reserve), key=lambda c: c.rank or 0)
    recommended = round_.recommended()
    winners = [c for c in tied if c.id in chosen_ids]
    losers = [c for c in tied if c.id not in chosen_ids]
    for candidate in winners:
        candidate.status = CandidateStatus.recommended
    for candidate in losers:
        candidate.status = CandidateStatus.reserve
    for position, candidate in enumerate(recommended + winners + losers + reserve, start=1):
        candidate.rank = position
    round_.tie_note = note
    return {"ok": True}


@handler("publish_notice", "Publish the recommended list for a number of working days; returns when the notice ends.")
def publish_notice(round_id, working_days: int) -> str:
    """Start the public notice (公示); the end is counted on the working-day calendar."""
    round_ = _round(round_id)
    now = utcnow()
    round_.status = RoundStatus.notice
    round_.notice_start_dt = now
    round_.notice_end_dt = end_of_working_days(now, int(working_days))
    events.list_published(round_)
    return round_.notice_end_dt.isoformat()


@handler("end_notice", "Close the public notice; objections are no longer accepted.")
def end_notice(round_id) -> str:
    """The notice period is over; the list waits to be reported.

    The published period stays as it was published (a demo's fast-forward ends it early; the
    notice must not then read '09:01 to 09:02').
    """
    round_ = _round(round_id)
    round_.status = RoundStatus.reporting
    round_.notice_end_dt = round_.notice_end_dt or utcnow()
    return "ended"


@handler("report_round", "Report the final list to the county office, once every objection is resolved.")
def report_round(round_id) -> dict:
    """Refuse while objections are open; otherwise the list is final and with the county."""
    round_ = _round(round_id)
    still_open = db.session.scalar(
        select(func.count()).select_from(Objection).filter_by(round_id=round_.id, status=ObjectionStatus.open)
    )
    if still_open:
        return {"ok": False, "open_objections": still_open}
    round_.status = RoundStatus.reported
    round_.reported_dt = utcnow()
    events.list_reported(round_)
    return {"ok": True, "open_objections": 0}
