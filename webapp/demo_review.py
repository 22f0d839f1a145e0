"""Demo state for the county review: teachers of every school apply, schools vote and report their lists.

Everything goes through the real processes (applications, school review, the secret vote, the
notice timer, the report), so a new user finds reported school lists waiting for the county
review. Run after `build_demo` (`flask demo-data` does both); tests call it through a fixture.
"""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from .calendar import local_zone
from .evidence.operations import link_to_instance, store_upload
from .extensions import db
from .models import ApplicationCycle, HumanTask, Organisation, OrgKind, ProcessInstance, RoleAssignment, TaskState, User, utcnow
from .processes.school_vote import operations as vote
from .processes.school_vote.membership import committee_member_ids
from .processes.school_vote.models import VoteRound
from .processes.self_application.models import Application, ApplicationStatus
from .processes.self_application.operations import start_application
from .roles import Role
from .workflow.fast_forward import make_timers_due
from .workflow.operations import complete_task, fire_due_timers

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The review's applicants, by username; the first of each school also declares a first prize
# in the county classroom competition (the fast track, verified at the materials check).
REVIEW_APPLICANTS = {
    "汉阴县第一中学": ["t016", "t019", "t022", "t025"],
    "汉阴县城关小学": ["t017", "t020", "t023", "t026"],
    "汉阴县涧池镇中心学校": ["t018", "t021", "t024", "t027"],
}
FAST_TRACK = {"t016"}
STATEMENT = "长期担任教研组长，开展大单元教学研究，在县级以上公开课和讲座中多次获奖，积极参与送教下乡。"
CATEGORY = "backbone"
EXTRA_SUBJECTS = ("physics", "mathematics", "chinese", "english")  # subjects with research staff in the demo
COUNTY = "汉阴县"


def _open_task(instance_id: int, step: str) -> HumanTask:
    return db.session.scalar(select(HumanTask).filter_by(instance_id=instance_id, task_name=step, state=TaskState.open))


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def _school_admin(school_id: int) -> User:
    return db.session.scalar(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
                             .where(RoleAssignment.role == Role.school_admin, RoleAssignment.org_id == school_id))


def _extra_teacher(school: Organisation, username: str, index: int) -> User:
    """One more teacher of the school with the review applicants' eligible facts."""
    import random

    from .demo import _profile

    password_hash = db.session.scalar(select(User.password_hash).filter_by(username="t001"))
    teacher = User(username=username, display_name=f"{school.name[-4:]}教师{index + 1}", password_hash=password_hash,
                   email=f"{username}@example.edu.cn")
    teacher.roles.append(RoleAssignment(role=Role.teacher, org_id=school.id))
    db.session.add(teacher)
    today = utcnow().date()
    _profile(teacher, school, random.Random(username), today, age=33 + index % 10, years=10 + index % 10,
             title="intermediate", education="bachelor", subject=EXTRA_SUBJECTS[index % len(EXTRA_SUBJECTS)],
             excellent_years={today.year - 1 - index % 3})
    db.session.flush()
    return teacher


def _declares_first_prize(username: str) -> bool:
    """t016, and every fourth extra teacher of a school (x<school>03, x<school>07, …)."""
    return username in FAST_TRACK or (username.startswith("x") and int(username[2:]) % 4 == 3)


def _apply(engine, forms, teacher: User, cycle: ApplicationCycle) -> Application:
    """The teacher declares with one certificate; the school administrator accepts."""
    application = start_application(engine, teacher, cycle.id)
    evidence = store_upload(teacher, FileStorage(io.BytesIO(PDF + f"% {teacher.username}\n".encode()), "证书.pdf"), {})
    answers = {
        "subject": teacher.profile.subject, "statement": STATEMENT,
        "honours": ["excellent_teacher"] + (["class_competition"] if _declares_first_prize(teacher.username) else []),
        "achievements": [{"year": utcnow().year - 1, "kind": "open_class", "description": "县级公开课展示"}],
        "evidence": [evidence], "commitment": True,
    }
    task = _open_task(application.instance_id, "fill_declaration")
    form_keys = tuple(f.key for f in forms.fields(task.form_file))
    complete_task(engine, teacher, task, answers, form_keys)
    link_to_instance(task.instance, {evidence}, uploaded_by=teacher)
    admin = _school_admin(application.school_id)
    review = _open_task(application.instance_id, "school_review")
    complete_task(engine, admin, review, {"review_decision": "accept"}, ("review_decision", "review_comment"))
    if application.status is not ApplicationStatus.accepted:
        raise RuntimeError(f"demo applicant {teacher.username} was not accepted ({application.status.value})")
    return application


def _vote_and_report(engine, school: Organisation, cycle: ApplicationCycle, admin: User) -> VoteRound:
    """Open the vote; every member names the first `quota` candidates; the notice ends; report."""
    deadline = (utcnow().astimezone(local_zone()).date() + timedelta(days=7)).isoformat()
    round_ = vote.open_round(engine, admin, school, cycle.id, deadline)
    choices = [str(c.id) for c in round_.candidates[:round_.quota]]
    for member_id in committee_member_ids(school.id):
        ballot = db.session.scalar(select(HumanTask).filter_by(instance_id=round_.instance_id, task_name="cast_ballot",
                                                               state=TaskState.open, assignee_id=member_id))
        complete_task(engine, db.session.get(User, member_id), ballot, {"choices": choices})
    instance = db.session.get(ProcessInstance, round_.instance_id)
    make_timers_due(instance)
    fire_due_timers(engine, instance)
    report = _open_task(round_.instance_id, "report_to_county")
    complete_task(engine, admin, report, {"report_confirmed": True}, ("report_confirmed", "report_note"))
    return round_


def seed_reported_lists(engine, forms, extra_per_school: int = 0) -> list[VoteRound]:
    """Reported school lists of this year's county backbone-teacher call (three per school).

    `extra_per_school` more eligible teachers of each school apply and are recommended too
    (`x<school><n>`, subjects in turn, every fourth declaring a first prize): a larger pool for tests
    that compare two pool sizes.
    """
    county = db.session.scalar(select(Organisation).filter_by(name=COUNTY, kind=OrgKind.county))
    cycle = db.session.scalar(select(ApplicationCycle).filter_by(county_id=county.id, category=CATEGORY, level="county"))
    cycle.quota_value = 3 + extra_per_school
    rounds = []
    for number, (school_name, usernames) in enumerate(REVIEW_APPLICANTS.items(), start=1):
        school = db.session.scalar(select(Organisation).filter_by(name=school_name, kind=OrgKind.school))
        extra = [_extra_teacher(school, f"x{number}{index:02d}", index) for index in range(extra_per_school)]
        for teacher in [_user(username) for username in usernames] + extra:
            _apply(engine, forms, teacher, cycle)
        rounds.append(_vote_and_report(engine, school, cycle, _school_admin(school.id)))
    db.session.flush()
    return rounds
