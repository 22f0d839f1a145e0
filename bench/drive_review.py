"""The county review in the driven cycle (`drive.py`): after the schools' lists are reported.

Phase **review**: each county office of the run opens the review of every call with reported
lists (places: the pool divided by the 差额 ratio, so the margin holds), after 30 experts and a
leading group were added to the county (untimed: the generated population has one expert). The
driver then answers the review's steps like the other processes' (FIFO): the office accepts every
candidate's materials (a declared first prize verified: fast track), one request per candidate
(timed and counted as `decide_materials`), and finishes the check; the
research staff give an opinion per candidate of each subject; the office confirms the automatic
panels (5 experts per candidate); each expert submits their score sheet (whole points drawn for
every criterion); margin and ties get the office's answer; the office proposes, the leading group
approves. Phase **review_end**: the notice timer is fired the scheduler's way and the result is
final. `check_reviews` raises unless every review is done with its formal candidates.
"""
from __future__ import annotations

from functools import partial

from sqlalchemy import select

from webapp.auth import load_user
from webapp.extensions import db
from webapp.models import ApplicationCycle, HumanTask, Organisation, ProcessInstance, RoleAssignment, User
from webapp.processes.county_review import operations as review_ops
from webapp.processes.county_review import sheets
from webapp.processes.county_review.models import ReviewCandidateStatus, ReviewRound, ReviewStatus, StaffSubject
from webapp.processes.self_application.models import Application
from webapp.processes.county_review.pools import pool_size
from webapp.roles import Role

EXPERTS_PER_COUNTY = 30
MARGIN_RATIO = 1.2  # review_rules.dmn's default: places = pool / 1.2 keeps the margin


def plan_review(driver, schools: list[int], record) -> list:
    """Open every call's review in the counties of the run's schools (untimed set-up first)."""
    from drive import Action

    counties = sorted({driver.population.school_county[s] for s in schools})
    actions = []
    for county_id in counties:
        office_id = driver.role_holders.get((Role.county_office, county_id))
        cycles = db.session.scalars(select(ApplicationCycle).where(ApplicationCycle.county_id == county_id,
                                                                   ApplicationCycle.level == "county")).all()
        office = db.session.get(Organisation, county_id)
        for cycle in cycles:
            pool = pool_size(cycle, office)
            if pool:
                places = max(1, int(pool / MARGIN_RATIO))
                actions.append(Action("open_review", partial(open_review_action, office_id, county_id, cycle.id, places, record),
                                      prepare=partial(add_review_people, driver, county_id)))
    return actions


def add_review_people(driver, county_id: int) -> None:
    """30 experts (no school: no conflict but self) and a leading group for the county, once."""
    if (Role.county_leader, county_id) in driver.role_holders:
        return
    password = db.session.scalar(select(User.password_hash).limit(1))
    for number in range(EXPERTS_PER_COUNTY):
        user = User(username=f"bx{county_id}e{number}", display_name=f"评审专家{number}", password_hash=password)
        user.roles.append(RoleAssignment(role=Role.expert, org_id=county_id))
        db.session.add(user)
    # The county's research staff member serves every subject of its candidates (one opinion step each).
    staff = driver.role_holders.get((Role.research_staff, county_id))
    subjects = set(db.session.scalars(select(Application.subject).where(Application.subject.is_not(None))
                                      .join(Organisation, Organisation.id == Application.school_id)
                                      .where(Organisation.parent_id == county_id).distinct()))
    if staff is not None:
        db.session.add_all(StaffSubject(user_id=staff, org_id=county_id, subject=subject) for subject in sorted(subjects))
    leader = User(username=f"bx{county_id}leader", display_name="领导小组", password_hash=password)
    leader.roles.append(RoleAssignment(role=Role.county_leader, org_id=county_id))
    db.session.add(leader)
    db.session.flush()
    driver.role_holders[(Role.county_leader, county_id)] = leader.id


def open_review_action(office_id: int, county_id: int, cycle_id: int, places: int, record) -> None:
    """What POST /review/offices/<id>/cycles/<id> does."""
    from flask import current_app

    office_user = load_user(office_id)
    review = review_ops.open_review(current_app.extensions["workflow_engine"], office_user,
                                    review_ops.office_of(office_user, county_id), cycle_id, "absolute", str(places))
    record.reviews.append(review.id)


def _review(context) -> ReviewRound:
    return sheets.review_of(context.task.instance_id)


def materials_decisions(task_id: int, user_id: int) -> list:
    """Accept every open candidate (a declared first prize verified): one request each, as the page
    posts them (`POST /review/tasks/<task>/candidates/<candidate>/materials`), before the check is finished."""
    review = sheets.review_of(db.session.get(HumanTask, task_id).instance_id)
    return [("decide_materials", partial(decide_materials, user_id, candidate.id, candidate.claims_fast_track))
            for candidate in review.candidates if candidate.status in review_ops.MATERIALS_OPEN]


def decide_materials(user_id: int, candidate_id: int, fast_track: bool) -> None:
    """What one materials decision does."""
    from flask import current_app

    review_ops.decide_materials(current_app.extensions["workflow_engine"], load_user(user_id), candidate_id,
                                "accept", "", "", fast_track)


def materials_answer(context) -> dict:
    """Every candidate is decided (`materials_decisions`): finish the check."""
    return {}


def opinion_answer(context) -> dict:
    """An opinion and a comment for each candidate of the step's subject."""
    subject = context.data["opinion_task"]["subject_code"]
    choices = ("recommend", "recommend", "neutral", "not_recommend")
    return {"opinions": {str(c.id): {"opinion": context.rng.choice(choices), "comment": "教学扎实，有示范作用。"}
                         for c in sheets.opinion_candidates(_review(context), subject)}}


def scoring_answer(context) -> dict:
    """Whole points for every criterion of every assigned candidate."""
    review = _review(context)
    return {"scores": {str(a.candidate_id): {name: context.rng.randint(int(top) // 2, int(top))
                                             for name, top in review.rubric}
                       for a in sheets.open_assignments(review, context.user.id)}}


def margin_answer(context) -> dict:
    return {"margin_choice": "proceed", "margin_places": int(context.data["tally"]["places"]),
            "margin_note": "参评人数不足，经研究按现有名额继续评审。"}


def tie_answer(context) -> dict:
    tally = context.data["tally"]
    chosen = [option["value"] for option in tally["tie_options"][:int(tally["tie_places"])]]
    return {"tie_choice": chosen, "tie_note": "经领导小组办公室集体研究确定。"}


def approval_answer(context) -> dict:
    return {"approval_decision": "approve", "approval_comment": "同意公示。"}


def plan_review_end(driver, schools: list[int], record) -> list:
    """The notice's working days pass: its timer falls due and the scheduler's step fires it."""
    from drive import Action, clock_reaches_timers, fire_timer_action

    ids = db.session.scalars(select(ReviewRound.instance_id).where(ReviewRound.id.in_(record.reviews),
                                                                   ReviewRound.status == ReviewStatus.notice)
                             ).all() if record.reviews else []
    return [Action("timer", partial(fire_timer_action, driver, instance_id), prepare=partial(clock_reaches_timers, instance_id))
            for instance_id in ids]


def check_reviews(record) -> list[str]:
    """Every review the run opened is done, with formal candidates and its process completed."""
    problems = []
    for review in db.session.scalars(select(ReviewRound).where(ReviewRound.id.in_(record.reviews))).all() if record.reviews else []:
        instance = db.session.get(ProcessInstance, review.instance_id)
        formal = review.with_status(ReviewCandidateStatus.formal)
        if review.status is not ReviewStatus.done or instance.status.value != "completed" or not formal:
            problems.append(f"review {review.id}: {review.status.value}, process {instance.status.value}, {len(formal)} formal")
    return problems


BEFORE = {"materials_check": materials_decisions}
ANSWERS = {
    "materials_check": materials_answer,
    "research_opinion": opinion_answer,
    "confirm_assignment": lambda context: {},
    "expert_scoring": scoring_answer,
    "margin_decision": margin_answer,
    "decide_tie": tie_answer,
    "propose_list": lambda context: {},
    "approve_list": approval_answer,
}
