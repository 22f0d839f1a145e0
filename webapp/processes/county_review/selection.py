"""The review's records around the pure rules: expert panels, the ranking and its decisions, the result."""
from __future__ import annotations

from datetime import date
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, insert, select, union_all, update
from sqlalchemy.orm.attributes import set_committed_value

from ...calendar import end_of_working_days, local_zone
from ...core.errors import Conflict, NotFound
from ...extensions import db
from ...models import Organisation, OrgKind, RoleAssignment, TeacherProfile, User, utcnow
from ...roles import Role
from . import assignment as solver
from . import ranking
from .models import (
    ExpertAssignment, ReviewCandidate, ReviewCandidateStatus, ReviewRound, ReviewStatus, StaffSubject,
)

Status = ReviewCandidateStatus


def apply_rules(review: ReviewRound, rules: dict) -> None:
    """Keep the rubric the review scores on; a malformed rule stops the review with a clear error."""
    review.rubric = [list(item) for item in ranking.parse_rubric(str(rules["rubric"]))]
    ranking.parse_tie_break(str(rules.get("tie_break", "")))


# -- expert panels ---------------------------------------------------------------------------------

def staff_subjects(org_id: int, user_ids: list[int]) -> dict[int, set[str]]:
    """The subjects each staff member serves in the organisation (none listed: every subject)."""
    found: dict[int, set[str]] = {user_id: set() for user_id in user_ids}
    for user_id, subject in db.session.execute(
        select(StaffSubject.user_id, StaffSubject.subject).where(StaffSubject.org_id == org_id,
                                                                StaffSubject.user_id.in_(user_ids))
    ):
        found[user_id].add(subject)
    return found


def office_experts(review: ReviewRound) -> list[solver.Expert]:
    """Active users holding the expert role at the review's office, with their schools and subjects.

    Three queries whatever the number of experts: the experts, their subjects, their schools (a
    role held at a school, or the school of their teacher profile).
    """
    ids = list(db.session.scalars(
        select(User.id).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.expert, RoleAssignment.org_id == review.office_id, User.is_active_flag)
        .distinct().order_by(User.id)
    ))
    if not ids:
        return []
    subjects = staff_subjects(review.office_id, ids)
    schools: dict[int, set[int]] = {user_id: set() for user_id in ids}
    at_school = (select(RoleAssignment.user_id, RoleAssignment.org_id)
                 .join(Organisation, Organisation.id == RoleAssignment.org_id)
                 .where(RoleAssignment.user_id.in_(ids), Organisation.kind == OrgKind.school))
    teaching = select(TeacherProfile.user_id, TeacherProfile.school_id).where(TeacherProfile.user_id.in_(ids))
    for user_id, school_id in db.session.execute(union_all(at_school, teaching)):
        schools[user_id].add(school_id)
    return [solver.Expert(user_id, frozenset(schools[user_id]), frozenset(subjects[user_id])) for user_id in ids]


def to_score(review: ReviewRound) -> list[ReviewCandidate]:
    """Accepted candidates who are not on the fast track: the experts score these."""
    return [c for c in review.candidates if c.status is Status.accepted and not c.fast_track]


def to_score_where(review: ReviewRound):
    """`to_score` as a WHERE clause on review_candidate."""
    return (ReviewCandidate.review_id == review.id, ReviewCandidate.status == Status.accepted,
            ReviewCandidate.fast_track.is_(False))


def assign_panels(review: ReviewRound, panel_size: int) -> dict:
    """Assign experts automatically (replacing any earlier assignment); report shortages.

    Set-based: one DELETE of earlier rows, the candidates' columns in one query, one INSERT of
    every new row (executemany), whatever the size of the pool.
    """
    review.status = ReviewStatus.assigning
    # "evaluate": rows the session holds are marked deleted without another query.
    db.session.execute(delete(ExpertAssignment).where(ExpertAssignment.review_id == review.id)
                       .execution_options(synchronize_session="evaluate"))
    _forget_assignments(review)
    rows = db.session.execute(
        select(ReviewCandidate.id, ReviewCandidate.teacher_id, ReviewCandidate.school_id, ReviewCandidate.subject)
        .where(*to_score_where(review)).order_by(ReviewCandidate.id)
    ).all()
    candidates = [solver.Candidate(*row) for row in rows]
    result = solver.assign(candidates, office_experts(review), panel_size)
    new_rows = [{"review_id": review.id, "candidate_id": candidate_id, "expert_id": expert_id}
                for candidate_id, expert_ids in result.panels.items() for expert_id in expert_ids]
    if new_rows:
        db.session.execute(insert(ExpertAssignment), new_rows)
    return {"short": len(result.short), "candidates": len(candidates)}


def _forget_assignments(review: ReviewRound) -> None:
    """After a bulk change, candidates the session holds read their panels again on next use (no SQL now)."""
    for candidate in [obj for obj in db.session.identity_map.values()
                      if isinstance(obj, ReviewCandidate) and obj.review_id == review.id]:
        db.session.expire(candidate, ["assignments"])


def edit_assignment(review: ReviewRound, candidate_id: int, remove_id: int | None, add_id: int | None) -> str | None:
    """Swap experts on one candidate's panel; returns why an added expert is refused, or None."""
    if review.status is not ReviewStatus.assigning:
        raise Conflict(_("The expert panels of this review are confirmed already."))
    candidate = next((c for c in to_score(review) if c.id == candidate_id), None)
    if candidate is None:
        raise NotFound(_("No such candidate."))
    if add_id is not None:
        expert = next((e for e in office_experts(review) if e.id == add_id), None)
        if expert is None:
            return "not_expert"
        reason = solver.conflict(solver.Candidate(candidate.id, candidate.teacher_id, candidate.school_id,
                                                  candidate.subject), expert)
        if reason is not None:
            return reason
        if any(a.expert_id == add_id for a in candidate.assignments):
            return "already"
        candidate.assignments.append(ExpertAssignment(review_id=review.id, expert_id=add_id))
    if remove_id is not None:
        candidate.assignments = [a for a in candidate.assignments if a.expert_id != remove_id]
    db.session.flush()
    return None


def confirm_panels(review: ReviewRound) -> None:
    """Scoring starts when every candidate has at least one expert (one counting query)."""
    if review.status is not ReviewStatus.assigning:
        raise Conflict(_("The expert panels of this review are confirmed already."))
    has_expert = select(ExpertAssignment.id).where(ExpertAssignment.candidate_id == ReviewCandidate.id).exists()
    empty = db.session.scalar(select(func.count(ReviewCandidate.id)).where(*to_score_where(review), ~has_expert))
    if empty:
        raise Conflict(_("%(count)d candidate(s) have no expert; add one before confirming.", count=empty))
    review.status = ReviewStatus.scoring


def scoring_experts(review: ReviewRound) -> list[int]:
    """Experts with at least one candidate to score, each getting one score sheet (one query)."""
    ids = list(db.session.scalars(
        select(ExpertAssignment.expert_id).join(ReviewCandidate, ReviewCandidate.id == ExpertAssignment.candidate_id)
        .where(*to_score_where(review)).distinct().order_by(ExpertAssignment.expert_id)
    ))
    review.status = ReviewStatus.scoring if ids else ReviewStatus.selection
    return ids


# -- ranking ---------------------------------------------------------------------------------------

def _years(since: date | None, on: date) -> int:
    if since is None:
        return 0
    return on.year - since.year - ((on.month, on.day) < (since.month, since.day))


def _ranking_facts(review: ReviewRound, on: date) -> dict[int, tuple[dict, str]]:
    """Candidate id → (the facts a tie-break may use, the teacher's name), in one query."""
    rows = db.session.execute(
        select(ReviewCandidate.id, ReviewCandidate.opinion, TeacherProfile.teaching_start_date,
               TeacherProfile.birth_date, User.display_name)
        .join(User, User.id == ReviewCandidate.teacher_id)
        .outerjoin(TeacherProfile, TeacherProfile.user_id == ReviewCandidate.teacher_id)
        .where(ReviewCandidate.review_id == review.id)
    ).all()
    return {candidate_id: ({"opinion": ranking.OPINION_VALUE.get(opinion or "", 0),
                            "years_teaching": _years(teaching_start, on), "age": _years(birth, on)}, name)
            for candidate_id, opinion, teaching_start, birth, name in rows}


def _expert_totals(review: ReviewRound) -> dict[int, list[float]]:
    """Candidate id → the totals of the sheets submitted for them, in one query."""
    totals: dict[int, list[float]] = {}
    for candidate_id, total in db.session.execute(
        select(ExpertAssignment.candidate_id, ExpertAssignment.total)
        .where(ExpertAssignment.review_id == review.id, ExpertAssignment.total.is_not(None))
        .order_by(ExpertAssignment.id)
    ):
        totals.setdefault(candidate_id, []).append(total)
    return totals


def rank(review: ReviewRound, rules: dict, margin_accepted: bool) -> dict:
    """Aggregate the scores, apply 差额 and the places; returns the tally the diagram branches on.

    A constant number of queries whatever the pool: the candidates, the sheets' totals, the
    tie-break facts, then the changed candidates written back in a few executemany UPDATEs.
    """
    review.status = ReviewStatus.selection
    on = utcnow().astimezone(local_zone()).date()
    fast = [c for c in review.candidates if c.status in (Status.accepted, Status.formal) and c.fast_track]
    scored = [c for c in review.candidates if c.status in ranking_statuses() and not c.fast_track]
    totals, facts = _expert_totals(review), _ranking_facts(review, on)
    entries, final_scores = [], {}
    for candidate in scored:
        score = ranking.aggregate(totals.get(candidate.id, []), int(rules["trim_at"]))
        final_scores[candidate.id] = round(float(score), 2) if score is not None else None
        entries.append(ranking.Entry(candidate.id, score if score is not None else -1, facts[candidate.id][0]))
    places = ranking.places_for_scored(review.places, len(fast), bool(rules["fast_track_in_quota"]))
    reserve = ranking.reserve_places(review.places, rules["reserve_ratio"])
    result = ranking.select(entries, places, reserve, ranking.parse_tie_break(str(rules["tie_break"])))
    by_id = {c.id: c for c in scored}
    for candidate_id, final_score in final_scores.items():
        by_id[candidate_id].final_score = final_score
    for position, candidate in enumerate(fast, start=1):
        candidate.status, candidate.rank, candidate.final_score = Status.formal, position, None
    for position, candidate_id in enumerate(result.order, start=len(fast) + 1):
        by_id[candidate_id].rank = position
    for ids, status in ((result.formal, Status.formal), (result.reserve, Status.reserve),
                        (result.not_selected, Status.not_selected), (result.tie, Status.accepted)):
        for candidate_id in ids:
            by_id[candidate_id].status = status
    _write_ranking(fast + scored)
    needed = -(-Fraction(str(rules["margin_ratio"])) * places // 1)
    tied = [(by_id[i], facts[i][1]) for i in result.tie]
    return {
        "scored": len(entries), "places": places, "needed": int(needed), "fast_track": len(fast),
        "margin_ok": bool(margin_accepted) or ranking.margin_met(len(entries), places, rules["margin_ratio"]),
        "tie": bool(tied), "tie_places": result.tie_places,
        "tie_options": [{"value": str(c.id), "title": f"{name}（{c.final_score} 分）",
                         "title_en": f"{name} ({c.final_score} points)"} for c, name in tied],
        "tie_names": "、".join(name for _c, name in tied),
        "tie_names_en": ", ".join(name for _c, name in tied),
    }


def ranking_statuses() -> tuple[ReviewCandidateStatus, ...]:
    """Statuses of candidates who are ranked (again, after a decision changes the places)."""
    return (Status.accepted, Status.formal, Status.reserve, Status.not_selected)


def apply_margin(review: ReviewRound, choice: str, places: int, note: str) -> dict:
    """Lower the places (ranked again) or proceed with the recorded reason."""
    review.margin_note = note
    if choice == "lower" and 0 <= int(places) < review.places:
        review.places = int(places)
        return {"ok": True, "proceed": False}
    if choice == "proceed":
        return {"ok": True, "proceed": True}
    return {"ok": False, "proceed": False}


def apply_tie(review: ReviewRound, chosen: list, note: str) -> None:
    """The chosen tied candidates become formal; the other tied ones go to the head of the reserve."""
    tied = [c for c in review.candidates if c.status is Status.accepted and not c.fast_track and c.rank is not None]
    chosen_ids = {int(value) for value in chosen or []}
    if not chosen_ids <= {c.id for c in tied}:
        raise ValueError("the choice names a candidate outside the tie")
    winners = sorted((c for c in tied if c.id in chosen_ids), key=lambda c: c.id)
    losers = sorted((c for c in tied if c.id not in chosen_ids), key=lambda c: c.id)
    for candidate in winners:
        candidate.status = Status.formal
    for candidate in losers:
        candidate.status = Status.reserve
    order = (review.with_status(Status.formal) + review.with_status(Status.reserve)
             + review.with_status(Status.not_selected))
    formal = [c for c in order if c.status is Status.formal and c not in winners] + winners
    reserve = losers + [c for c in order if c.status is Status.reserve and c not in losers]
    rest = [c for c in order if c.status is Status.not_selected]
    for position, candidate in enumerate(formal + reserve + rest, start=1):
        candidate.rank = position
    _write_ranking(formal + reserve + rest)
    review.tie_note = note


def _write_ranking(candidates: list[ReviewCandidate]) -> None:
    """Status, rank and final score of these candidates in one UPDATE (executemany), changed or not.

    A flush groups UPDATEs by the columns that changed, and only rows that come one after the other:
    candidates whose changes alternate (status and rank, rank only, …) made a statement each (203
    for the closing score sheet of a review of 405). The values set on the objects are then their
    stored state, so the flush has nothing more to write for them.
    """
    if not candidates:
        return
    table = ReviewCandidate.__table__
    rows = [{"row_id": c.id, "new_status": c.status, "new_rank": c.rank, "new_score": c.final_score}
            for c in candidates]
    for candidate in candidates:
        for key in ("status", "rank", "final_score"):
            set_committed_value(candidate, key, getattr(candidate, key))
    with db.session.no_autoflush:
        db.session.execute(update(table).where(table.c.id == bindparam("row_id")).values(
            status=bindparam("new_status"), rank=bindparam("new_rank"), final_score=bindparam("new_score")), rows)


def publish_notice(review: ReviewRound, working_days: int) -> str:
    """Start the county public notice; the end is counted on the working-day calendar."""
    now = utcnow()
    review.status = ReviewStatus.notice
    review.notice_start_dt = now
    review.notice_end_dt = end_of_working_days(now, int(working_days))
    return review.notice_end_dt.isoformat()


def finalise(review: ReviewRound) -> dict:
    """The notice is over: the formal candidates and the reserve list are final."""
    review.status = ReviewStatus.done
    review.result_dt = utcnow()
    review.notice_end_dt = min(review.notice_end_dt or review.result_dt, review.result_dt)
    return {"formal": len(review.with_status(Status.formal)), "reserve": len(review.with_status(Status.reserve))}
