"""Drive processes through the service layer the way their users would, one transaction per action.

A run goes through phases (`PHASES`). In each phase the processes' starters act — the per-teacher
starter in "apply" (a self-application per teacher), process-level starters later (a school
administrator opens a vote round per call, a teacher files an objection, the notice timer
fires) — and then the driver works every open human task in the order it appeared (FIFO): the
teacher answers their own steps, a committee member their own ballot, someone holding the task's
role at its organisation answers queue steps (claim and complete in one step; one in five is
claimed first, in a transaction of its own). Every action is one transaction, timed
under its kind ("start", "claim", "complete", "abandon", "open_round", "objection", "withdraw",
"timer").

What each step is answered with comes from `PROCESSES`: to drive a new process, add a
`ProcessDriver` with its starter(s) and one answer function per user task. An answer function
returns the form data, or None to abandon the instance (e.g. withdraw). After the last phase the
driver checks that every instance it started reached an end (`Driver.check_ends`) and raises
otherwise: a benchmark must not silently measure less work.
"""
from __future__ import annotations

import io
import random
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Callable

from sqlalchemy import event, func, select

import drive_review
import drive_training
from werkzeug.datastructures import FileStorage

from webapp.processes.self_application.operations import start_application, withdraw_application
from webapp.auth import load_user  # as each request loads the acting user
from webapp.calendar import local_zone
from webapp.evidence.operations import check_citable, link_to_instance, store_upload
from webapp.extensions import db
from webapp.generator import Population
from webapp.models import (
    HumanTask, InstanceStatus, Organisation, ProcessInstance, RoleAssignment, TaskState, TeacherProfile, User, utcnow,
)
from webapp.processes.objection import operations as objections
from webapp.processes.objection.models import Objection, ObjectionStatus
from webapp.processes.school_vote import operations as vote
from webapp.processes.school_vote.membership import committee_member_ids
from webapp.processes.school_vote.models import BallotReceipt, CandidateStatus, RoundCandidate, RoundStatus, VoteRound
from webapp.processes.self_application.models import Application, ApplicationStatus
from webapp.roles import Role
from webapp.workflow.fast_forward import make_timers_due
from webapp.workflow.operations import claim_task, complete_task, get_actionable_task
from webapp.workflow.permissions import can_view_instance
from webapp.workflow.task_forms import task_context
# The scheduler's own step for one claimed instance (fire, commit, roll back on a conflict):
# `advance_due_timers` would take whichever instance is due first, also another worker's.
from webapp.workflow.timer_jobs import fire_claimed

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STATEMENTS = [
    "十余年来坚持课堂教学改革，主持县级课题两项，指导青年教师五名，所带班级成绩稳居全县前列。",
    "长期担任教研组长，开展大单元教学研究，在县级以上公开课和讲座中多次获奖，积极参与送教下乡。",
    "扎根乡村学校十二年，探索小班化教学，撰写的教学论文获市级一等奖，带动学校数学学科整体进步。",
]

# The order of a run: applications first, then the schools' votes on the accepted ones, then
# objections during the public notice, then the end of the notice (the timer) and the report.
PHASES = ("apply", "vote", "notice", "notice_end", "review", "review_end", "training", "conferral")
OBJECTION_EVERY = 20  # one round in 20 (with someone on its notice) gets an objection...
WITHDRAWAL_AT = 10    # ...and, offset by 10, one in 20 sees a recommended candidate withdraw
CLAIM_FIRST_EVERY = 5  # one queue step in five is claimed before it is answered


_THINKING = [False]


@contextmanager
def thinking():
    """The simulated person reading before they answer (the page they look at): its statements are
    not the action's, so they are not counted (they stay in the action's time, as a person's
    reading of the form page is not in a real request's either: a small overstatement)."""
    _THINKING[0] = True
    try:
        yield
    finally:
        _THINKING[0] = False


@dataclass
class StepContext:
    """What an answer function may look at to decide.

    `data` is the process data the task sees (what binds a form's options and limits, e.g. a
    ballot's candidates and quota); it is read on first use only, restoring the workflow once,
    which `submit_form` then completes from, as the task page does.
    """

    task: HumanTask
    user: User
    rng: random.Random
    engine: object = None
    workflow: object = None
    _data: dict | None = None

    @property
    def data(self) -> dict:
        if self._data is None:
            self.workflow = self.workflow or self.engine.restore(self.task.instance)
            self._data = task_context(self.engine, self.task, self.workflow)
        return self._data


@dataclass
class Action:
    """One timed transaction a starter asks for; `prepare` (if any) runs before it, untimed."""

    kind: str
    run: Callable[[], str | None]
    prepare: Callable[[], None] | None = None


@dataclass
class RunRecord:
    """What one run started, so that its ends can be checked."""

    applications: list[int] = field(default_factory=list)  # instance ids
    rounds: list[int] = field(default_factory=list)        # vote round ids
    objections: list[int] = field(default_factory=list)    # objection ids
    withdrawals: list[int] = field(default_factory=list)   # round candidate ids
    reviews: list[int] = field(default_factory=list)       # county review ids (drive_review.py)
    cohorts: list[int] = field(default_factory=list)       # training cohort ids (drive_training.py)
    conferrals: list[int] = field(default_factory=list)    # conferral ids (drive_training.py)
    notices: int = 0                                       # rounds that reached the notice with a list


# A process-level starter: given the driver, the schools of the run and its record, the actions
# to take in its phase (planned by reading the database, untimed, like a user looking at a page).
Planner = Callable[["Driver", list[int], RunRecord], list[Action]]


@dataclass
class ProcessDriver:
    """How a process is started (per teacher, or per phase) and how each of its user tasks is answered."""

    process_id: str
    answers: dict[str, Callable[[StepContext], dict | None]]
    start: Callable[[object, User, Population, random.Random], object] | None = None  # per teacher, "apply"
    abandon: Callable[[object, User, HumanTask], None] | None = None
    phases: dict[str, Planner] = field(default_factory=dict)
    # Requests a person sends from a step's page before completing it (a review's per-candidate
    # materials decisions): step → (task id, actor id) → [(kind, request)], each request its own
    # timed action and transaction, counted under its kind, not in the completion.
    before: dict[str, Callable[[int, int], list[tuple[str, Callable[[], None]]]]] = field(default_factory=dict)


# ---- self-application (workflows/self_application.bpmn) ----------------------------------------


def choose_category(profile: TeacherProfile) -> str:
    """The highest title whose headline conditions the teacher meets (as the call describes them).

    Teachers who meet none still try for a backbone title: the eligibility table refuses them,
    and they withdraw (about a third of a generated county, mostly teachers over 45).
    """
    today = date.today()
    age = (today - profile.birth_date).days // 365
    years = (today - profile.teaching_start_date).days // 365
    graduate = profile.education in ("bachelor", "master", "doctor")
    if profile.professional_title in ("senior", "full_senior") and graduate and years >= 10:
        return "famous_teacher"
    if profile.professional_title != "junior" and graduate and age <= 45 and years >= 8:
        return "academic_leader"
    return "backbone"


def start_self_application(engine, teacher: User, population: Population, rng: random.Random):
    """The teacher opens an application in their county's call for the most plausible title."""
    county_id = population.school_county[teacher.profile.school_id]
    cycle_id = population.cycle_ids[(county_id, choose_category(teacher.profile))]
    return start_application(engine, teacher, cycle_id)


def declaration_answer(context: StepContext) -> dict | None:
    """A filled-in declaration with one uploaded PDF; an ineligible teacher withdraws instead."""
    task, rng = context.task, context.rng
    with thinking():
        application = db.session.scalar(select(Application).filter_by(instance_id=task.instance_id))
    if application.status is ApplicationStatus.ineligible:
        return None
    # Every teacher uploads their own certificate: different bytes, a different digest.
    scan = PDF + f"% certificate of user {context.user.id}, round {task.id}\n".encode()
    evidence_id = store_upload(context.user, FileStorage(io.BytesIO(scan), "证书.pdf"), {})
    year = time.gmtime().tm_year
    return {
        "subject": context.user.profile.subject,
        "statement": rng.choice(STATEMENTS),
        "honours": rng.sample(["excellent_teacher", "class_competition", "model_worker"], rng.randint(0, 2)),
        "achievements": [
            {"year": year - rng.randint(0, 4), "kind": rng.choice(["open_class", "paper", "project", "award"]),
             "description": "县级公开课《函数的单调性》"}
            for _ in range(rng.randint(1, 4))
        ],
        "evidence": [evidence_id],
        "commitment": True,
    }


def review_answer(context: StepContext) -> dict:
    """The school accepts most applications and returns about one in seven for correction."""
    if context.rng.random() < 0.15:
        return {"review_decision": "return", "review_comment": "请补充近五年公开课的证明材料。"}
    return {"review_decision": "accept"}


def withdraw_self_application(engine, teacher: User, task: HumanTask) -> None:
    """An ineligible teacher withdraws the application."""
    application = db.session.scalar(select(Application).filter_by(instance_id=task.instance_id))
    withdraw_application(engine, teacher, application.id, "不符合申报条件")


# ---- school vote and public notice (workflows/school_vote.bpmn, vote_rules.dmn) -----------------

OBJECTION_REASONS = [
    "该教师申报材料中的公开课证明与实际情况不符，请核实。",
    "该教师近三年没有承担校级公开课任务，申报表所列业绩存疑。",
    "据了解该教师所列论文获奖证书的年份有误，请学校调查核实。",
]
REPLIES = {
    "dismissed": ["经核实，相关材料真实有效，异议不成立，予以驳回。", "经调查，所反映情况与事实不符，维持推荐。"],
    "upheld": ["经核实，异议属实，取消其推荐资格，按排名递补。"],
}
from webapp.processes.objection.operations import OBJECTION_FORM  # noqa: E402  (the form of the notice page)


def local_today() -> date:
    """Today where deadlines are counted (the application's time zone)."""
    return utcnow().astimezone(local_zone()).date()


def plan_rounds(driver: "Driver", schools: list[int], record: RunRecord) -> list[Action]:
    """Each school administrator opens a round for every call with accepted applications (page /vote/)."""
    actions = []
    for school_id in schools:
        school = db.session.get(Organisation, school_id)
        for cycle, _count in vote.ready_to_vote(school):
            actions.append(Action("open_round", partial(open_round_action, driver, school_id, cycle.id, record)))
    return actions


def open_round_action(driver: "Driver", school_id: int, cycle_id: int, record: RunRecord) -> None:
    """What POST /vote/schools/<id>/rounds does: the administrator's school, a deadline a week ahead."""
    admin = load_user(driver.role_holders[(Role.school_admin, school_id)])
    school = vote.school_of_admin(admin, school_id)
    deadline = (local_today() + timedelta(days=7)).isoformat()  # the page's date field
    round_ = vote.open_round(driver.engine, admin, school, cycle_id, deadline)
    record.rounds.append(round_.id)


def ballot_answer(context: StepContext) -> dict:
    """Up to the quota of the candidates: most members back the longest-serving, with their own judgement.

    About one member in thirty abstains, one in ten votes by other impressions (at random), and
    some name fewer than the quota. The answer goes to the secret handler; nothing keeps it.
    """
    rng, data = context.rng, context.data
    quota = int(data["quota"])
    ids = [int(option["value"]) for option in data["candidate_options"]]
    roll = rng.random()
    if roll < 0.03:
        chosen: list[int] = []
    elif roll < 0.13:
        chosen = rng.sample(ids, min(quota, len(ids)))
    else:
        with thinking():
            started = dict(db.session.execute(
                select(RoundCandidate.id, TeacherProfile.teaching_start_date)
                .join(TeacherProfile, TeacherProfile.user_id == RoundCandidate.teacher_id)
                .where(RoundCandidate.id.in_(ids))
            ).all())
        today = date.today()
        score = {i: (today - started[i]).days / 365.25 + rng.gauss(0, 4) for i in ids}
        chosen = sorted(ids, key=score.get, reverse=True)[:quota]
        if len(chosen) > 1 and rng.random() < 0.1:
            chosen = chosen[:-1]
    return {"choices": [str(i) for i in chosen]}


def tie_answer(context: StepContext) -> dict:
    """The administrator picks exactly the places left among the tied and records why."""
    tally = context.data["tally"]
    options = [option["value"] for option in tally["tie_options"]]
    return {"tie_choice": context.rng.sample(options, int(tally["tie_places"])),
            "tie_note": "经学校评议委员会集体研究，按近五年教育教学实绩确定推荐人选。"}


def no_quorum_answer(context: StepContext) -> dict:
    """Extend voting by three days (the members who did not vote get their ballots again)."""
    return {"no_quorum_decision": "extend", "new_deadline": (local_today() + timedelta(days=3)).isoformat()}


def report_answer(context: StepContext) -> dict:
    """The administrator confirms the list after the notice (sometimes with a note)."""
    if context.rng.random() < 0.5:
        return {"report_confirmed": True}
    return {"report_confirmed": True, "report_note": "公示期满，名单无变化或已按异议处理结果调整。"}


def plan_notice(driver: "Driver", schools: list[int], record: RunRecord) -> list[Action]:
    """During the notice: an objection in one round of 20, a withdrawal in another (both deterministic)."""
    on_notice = [
        round_ for round_ in (db.session.get(VoteRound, round_id) for round_id in record.rounds)
        if round_.status is RoundStatus.notice and round_.recommended()
    ]
    record.notices += len(on_notice)
    actions = []
    for index, round_ in enumerate(on_notice):
        if index % OBJECTION_EVERY == 0:
            objector = driver.objector_for(round_)
            actions.append(Action("objection", partial(objection_action, driver, round_.id, objector, record)))
        elif index % OBJECTION_EVERY == WITHDRAWAL_AT:
            last = round_.recommended()[-1]  # the lowest ranked on the list leaves it
            actions.append(Action("withdraw", partial(withdraw_action, last.teacher_id, last.id, record)))
    return actions


def objection_action(driver: "Driver", round_id: int, objector_id: int, record: RunRecord) -> None:
    """What POST /vote/rounds/<id>/objections does: the notice the objector may read, the form checked."""
    objector = load_user(objector_id)
    round_ = vote.visible_round(objector, round_id)
    context = {"candidate_options": objections.objection_options(round_)}
    data = {"candidate": driver.rng.choice(context["candidate_options"])["value"],
            "reason": driver.rng.choice(OBJECTION_REASONS)}
    errors = driver.forms.validate(OBJECTION_FORM, data, context)
    if errors:
        raise ValueError(f"generated data does not fit {OBJECTION_FORM}: {errors}")
    cited = driver.forms.evidence_ids(OBJECTION_FORM, data)
    check_citable(objector, None, cited)
    objection = objections.file_objection(driver.engine, objector, round_, int(data["candidate"]), data["reason"], cited)
    record.objections.append(objection.id)


def withdraw_action(teacher_id: int, candidate_id: int, record: RunRecord) -> None:
    """What POST /vote/candidates/<id>/withdraw does: the teacher leaves; the next in line moves up."""
    vote.withdraw_candidacy(load_user(teacher_id), candidate_id)
    record.withdrawals.append(candidate_id)


def plan_notice_end(driver: "Driver", schools: list[int], record: RunRecord) -> list[Action]:
    """The notice's N working days pass: its timer falls due and the scheduler's step fires it."""
    instance_ids = db.session.scalars(
        select(VoteRound.instance_id).where(VoteRound.id.in_(record.rounds), VoteRound.status == RoundStatus.notice)
        .order_by(VoteRound.id)
    ).all() if record.rounds else []
    return [Action("timer", partial(fire_timer_action, driver, instance_id),
                   prepare=partial(clock_reaches_timers, instance_id))
            for instance_id in instance_ids]


def clock_reaches_timers(instance_id: int) -> None:
    """As `flask fast-forward-timers` and the tests do: the stored fire times move to a minute ago."""
    if make_timers_due(db.session.get(ProcessInstance, instance_id)) == 0:
        raise RuntimeError(f"instance {instance_id} has no waiting timer")


def fire_timer_action(driver: "Driver", instance_id: int) -> None:
    """The scheduler's path for one instance: claim the due row (SKIP LOCKED), fire, commit."""
    now = utcnow()
    instance = db.session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.id == instance_id, ProcessInstance.status == InstanceStatus.running,
               ProcessInstance.next_timer_dt <= now)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).first()
    if instance is None:
        raise RuntimeError(f"instance {instance_id}: no due timer to fire")
    fired, _due_again = fire_claimed(driver.engine, instance, now)
    if not fired:
        raise RuntimeError(f"instance {instance_id}: the timer did not fire (see the scheduler's failure log)")


# ---- objections (workflows/objection.bpmn) -----------------------------------------------------


def investigation_answer(context: StepContext) -> dict:
    """The administrator investigates; most objections are dismissed, about one in five upheld."""
    decision = "upheld" if context.rng.random() < 0.2 else "dismissed"
    return {"objection_decision": decision, "objection_reply": context.rng.choice(REPLIES[decision])}


PROCESSES = {
    "self_application": ProcessDriver(
        process_id="self_application",
        start=start_self_application,
        answers={
            "fill_declaration": declaration_answer,
            "correct_application": declaration_answer,
            "school_review": review_answer,
        },
        abandon=withdraw_self_application,
    ),
    "school_vote": ProcessDriver(
        process_id="school_vote",
        phases={"vote": plan_rounds, "notice_end": plan_notice_end},
        answers={
            "cast_ballot": ballot_answer,
            "decide_tie": tie_answer,
            "no_quorum_decision": no_quorum_answer,
            "report_to_county": report_answer,
        },
    ),
    "objection": ProcessDriver(
        process_id="objection",
        phases={"notice": plan_notice},
        answers={"investigate": investigation_answer},
    ),
    # Driven only when asked for (`run(..., processes=WITH_REVIEW)`): a review spans a county's
    # schools, so neither worker processes (split by school) nor the province windows run it.
    "county_review": ProcessDriver(
        process_id="county_review",
        phases={"review": drive_review.plan_review, "review_end": drive_review.plan_review_end},
        answers=drive_review.ANSWERS,
        before=drive_review.BEFORE,
    ),
    # After the reviews (the same county-wide scope): the training of each review's formal
    # candidates, then the conferral of those who passed (bench/drive_training.py).
    "training": ProcessDriver(
        process_id="training",
        phases={"training": drive_training.plan_training},
        answers=drive_training.TRAINING_ANSWERS,
    ),
    "conferral": ProcessDriver(
        process_id="conferral",
        phases={"conferral": drive_training.plan_conferral},
        answers=drive_training.CONFERRAL_ANSWERS,
    ),
}
DEFAULT_PROCESSES = ["self_application", "school_vote", "objection"]
WITH_REVIEW = DEFAULT_PROCESSES + ["county_review"]
WITH_TRAINING = WITH_REVIEW + ["training", "conferral"]


# ---- the driver ---------------------------------------------------------------------------------


@dataclass
class DriveStats:
    """Durations per kind of action and of completions per process (seconds); wall time of the run."""

    durations: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    by_process: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    by_step: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # "process/step"
    # SQL statements per action, by a finer kind ("complete · fill_declaration", "complete ·
    # cast_ballot (closing)", "start", "claim", …): where an N+1 would show first.
    statements: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    wall_s: float = 0.0

    @property
    def completions(self) -> int:
        """Completed user tasks."""
        return len(self.durations["complete"])

    def merge(self, durations: dict, by_process: dict, statements: dict | None = None) -> None:
        """Add another run's timings (a worker process's)."""
        for kind, values in durations.items():
            self.durations[kind].extend(values)
        for process_id, values in by_process.items():
            self.by_process[process_id].extend(values)
        for kind, values in (statements or {}).items():
            self.statements[kind].extend(values)


class DriveIncomplete(RuntimeError):
    """A driven process did not reach its end: the run measured less work than it claims."""


class Driver:
    """Runs processes for many teachers through the service layer, one transaction per action.

    `subjects` (the teachers of a worker process) limits the driver to their schools: it starts
    only their applications, opens rounds only at those schools, and works only tasks of instances
    that belong to those schools (vote tasks have no subject; the instance's school decides).
    """

    def __init__(self, app, population: Population, seed: int = 1, subjects: list[int] | None = None) -> None:
        self.app = app
        self.subjects = subjects
        self.schools = None if subjects is None else sorted({population.teacher_school[t] for t in subjects})
        self.engine = app.extensions["workflow_engine"]
        self.forms = app.extensions["form_library"]
        self.population = population
        self.rng = random.Random(seed)
        self.last_task_id = 0
        self.school_teachers: dict[int, list[int]] = defaultdict(list)
        for teacher_id, school_id in population.teacher_school.items():
            self.school_teachers[school_id].append(teacher_id)
        with app.app_context():
            # Plain rows, not ORM objects: a province has 400,000 teacher assignments to skip.
            self.role_holders = {
                (role, org_id): user_id
                for role, org_id, user_id in db.session.execute(
                    select(RoleAssignment.role, RoleAssignment.org_id, RoleAssignment.user_id)
                    .where(RoleAssignment.role != Role.teacher)
                )
            }
            self.last_task_id = db.session.scalar(select(db.func.max(HumanTask.id))) or 0
            self.sql_engine = db.engine
        self.statement_count = 0
        event.listen(self.sql_engine, "before_cursor_execute", self._count_statement)

    def _count_statement(self, *_args) -> None:
        """Count every SQL statement the app sends (not the simulated person's reading, see `thinking`)."""
        if not _THINKING[0]:
            self.statement_count += 1

    def run(self, teacher_ids: list[int], processes: list[str] | None = None) -> DriveStats:
        """Drive every phase for these teachers and their schools, then check every instance ended."""
        stats, record = DriveStats(), RunRecord()
        schools = sorted({self.population.teacher_school[t] for t in teacher_ids})
        drivers = [PROCESSES[process_id] for process_id in processes or DEFAULT_PROCESSES]
        started = time.perf_counter()
        for phase in PHASES:
            for driver in drivers:
                if phase == "apply" and driver.start is not None:
                    for teacher_id in teacher_ids:
                        self._timed(stats, "start", self._start, driver, teacher_id, record)
                planner = driver.phases.get(phase)
                if planner is not None:
                    with self.app.test_request_context():
                        actions = planner(self, schools, record)
                        db.session.rollback()
                    for action in actions:
                        if action.prepare is not None:
                            with self.app.test_request_context():
                                action.prepare()
                                db.session.commit()
                        self._timed(stats, action.kind, action.run)
            self.work_tasks(stats)
        stats.wall_s = time.perf_counter() - started
        self.check_ends(record, schools, [driver.process_id for driver in drivers])
        return stats

    def work_tasks(self, stats: DriveStats) -> None:
        """Act on every open task newer than the last one seen, including those created meanwhile."""
        while True:
            query = select(HumanTask.id).where(HumanTask.id > self.last_task_id, HumanTask.state == TaskState.open)
            if self.schools is not None:
                query = query.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id).where(
                    ProcessInstance.org_id.in_(self.schools))
            with self.app.app_context():
                ids = list(db.session.scalars(query.order_by(HumanTask.id).limit(500)))
            if not ids:
                return
            for task_id in ids:
                self.last_task_id = task_id
                self._act(stats, task_id)

    def _act(self, stats: DriveStats, task_id: int) -> None:
        """Claim (one queue step in five), then answer (or abandon) one task, each in its own transaction.

        The actor is the task's assignee (the teacher of their own step, the member of their own
        ballot) or the holder of the task's role at the task's organisation.
        """
        with self.app.app_context():
            task = db.session.get(HumanTask, task_id)
            if task.state is not TaskState.open:
                return  # closed by the process meanwhile (e.g. a deadline)
            actor_id = task.assignee_id or self.role_holders[(task.role, task.org_id)]
            # Most people answer a queue step straight away (claim and complete in one step);
            # one in CLAIM_FIRST_EVERY claims it first, to tell colleagues, and answers after.
            needs_claim = task.assignee_id is None and task_id % CLAIM_FIRST_EVERY == 0
            process_id, step = task.process_id, task.task_name
            detail = f"complete · {task.task_name}"
            if task.secret_handler:
                siblings = db.session.scalar(select(func.count()).select_from(HumanTask).filter_by(
                    instance_id=task.instance_id, task_name=task.task_name, state=TaskState.open))
                detail += " (closing)" if siblings == 1 else ""
        if needs_claim:
            self._timed(stats, "claim", self._claim, task_id, actor_id)
        before = PROCESSES[process_id].before.get(step)
        if before is not None:
            with self.app.test_request_context(), thinking():  # the page the person reads
                requests = before(task_id, actor_id)
                db.session.rollback()
            for kind, request in requests:
                self._timed(stats, kind, request)
        kind, seconds = self._timed(stats, "complete", self._complete, task_id, actor_id, detail=detail)
        if kind == "complete":
            stats.by_process[process_id].append(seconds)
            stats.by_step[f"{process_id}/{step}"].append(seconds)

    def _timed(self, stats: DriveStats, kind: str, action, *args, detail: str | None = None) -> tuple[str, float]:
        """Run one action in a request context and a transaction; record its duration under `kind`
        and its SQL statements under `detail` (or the kind)."""
        statements_before = self.statement_count
        started = time.perf_counter()
        with self.app.test_request_context():
            outcome = action(*args)
            db.session.commit()
        seconds = time.perf_counter() - started
        stats.durations[outcome or kind].append(seconds)
        stats.statements[outcome or detail or kind].append(self.statement_count - statements_before)
        return outcome or kind, seconds

    def _start(self, driver: ProcessDriver, teacher_id: int, record: RunRecord) -> None:
        """Start one instance for a teacher."""
        started = driver.start(self.engine, load_user(teacher_id), self.population, self.rng)
        record.applications.append(started.instance_id)

    def _claim(self, task_id: int, user_id: int) -> None:
        """Take a queue task, as the claim button does (refused without the task's role there)."""
        user = load_user(user_id)
        claim_task(user, get_actionable_task(user, task_id))

    def _complete(self, task_id: int, user_id: int) -> str | None:
        """Answer a task as the form page would: validate, check cited files, complete, link files."""
        user = load_user(user_id)
        task = get_actionable_task(user, task_id)
        if task.assignee_id not in (user.id, None):
            raise RuntimeError(f"task {task_id} is assigned to {task.assignee_id}, not to {user_id}")
        driver = PROCESSES[task.process_id]
        context = StepContext(task, user, self.rng, engine=self.engine)
        data = driver.answers[task.task_name](context)
        if data is None:
            driver.abandon(self.engine, user, task)
            return "abandon"
        submit_form(self.engine, self.forms, user, task, data, context=context._data, workflow=context.workflow)
        return None

    def objector_for(self, round_: VoteRound) -> int:
        """Someone of the school who is not on the list: a teacher, or else a committee member."""
        candidates = {c.teacher_id for c in round_.candidates}
        teachers = [t for t in self.school_teachers.get(round_.school_id, []) if t not in candidates]
        if teachers:
            return self.rng.choice(teachers)
        return self.role_holders[(Role.school_committee, round_.school_id)]

    def check_ends(self, record: RunRecord, schools: list[int], processes: list[str]) -> None:
        """Raise `DriveIncomplete` unless everything this run started reached its end.

        Applications ended (accepted, refused, withdrawn); every accepted application of the
        run's schools sits in a round; every round is reported, its process completed, with a
        ballot receipt per committee member; every objection is resolved with a reply, its
        process completed and still confidential (neither the candidate objected to nor another
        committee member can open it; the objector can).
        """
        problems: list[str] = []
        with self.app.test_request_context():
            statuses = _instance_statuses(record.applications)
            unfinished = {i: s for i, s in statuses.items() if s not in (InstanceStatus.completed, InstanceStatus.cancelled)}
            if unfinished or len(statuses) != len(record.applications):
                problems.append(f"{len(unfinished)} self-applications did not end: {list(unfinished.items())[:5]}")
            if "school_vote" in processes:
                for school_id in schools:
                    waiting = vote.ready_to_vote(db.session.get(Organisation, school_id))
                    if waiting:
                        problems.append(f"school {school_id}: accepted applications in no round: {waiting}")
            rounds = db.session.scalars(select(VoteRound).where(VoteRound.id.in_(record.rounds))).all() if record.rounds else []
            round_instances = _instance_statuses([r.instance_id for r in rounds])
            receipts = dict(db.session.execute(
                select(BallotReceipt.round_id, func.count()).where(BallotReceipt.round_id.in_(record.rounds))
                .group_by(BallotReceipt.round_id)
            ).all()) if record.rounds else {}
            for round_ in rounds:
                if round_.status is not RoundStatus.reported or round_instances.get(round_.instance_id) is not InstanceStatus.completed:
                    problems.append(f"round {round_.id}: {round_.status.value}, process {round_instances.get(round_.instance_id)}")
                if receipts.get(round_.id, 0) != round_.members or round_.ballots_cast != round_.members:
                    problems.append(f"round {round_.id}: {receipts.get(round_.id, 0)} ballot receipts, "
                                    f"{round_.ballots_cast} cast, {round_.members} members")
            if "objection" in processes and record.notices and not record.objections:
                problems.append(f"{record.notices} rounds reached the notice with a list, but no objection was filed")
            for objection in db.session.scalars(select(Objection).where(Objection.id.in_(record.objections))).all() if record.objections else []:
                instance = db.session.get(ProcessInstance, objection.instance_id)
                if objection.status is ObjectionStatus.open or not objection.reply or instance.status is not InstanceStatus.completed:
                    problems.append(f"objection {objection.id}: {objection.status.value}, process {instance.status.value}")
                outsiders = [objection.candidate.teacher] + [
                    db.session.get(User, member) for member in committee_member_ids(objection.round.school_id)
                    if member != objection.objector_id]
                if not instance.confidential or any(can_view_instance(u, instance) for u in outsiders) \
                        or not can_view_instance(objection.objector, instance):
                    problems.append(f"objection {objection.id}: confidentiality broken")
            problems.extend(drive_review.check_reviews(record))
            if "training" in processes:
                problems.extend(drive_training.check_trainings(record))
            for candidate_id in record.withdrawals:
                candidate = db.session.get(RoundCandidate, candidate_id)
                if candidate.status is not CandidateStatus.withdrawn or candidate.application.status is not ApplicationStatus.withdrawn:
                    problems.append(f"candidate {candidate_id}: withdrawal not recorded")
            db.session.rollback()
        if problems:
            raise DriveIncomplete(f"{len(problems)} problem(s); first ones: " + "; ".join(problems[:10]))


def _instance_statuses(instance_ids: list[int]) -> dict[int, InstanceStatus]:
    """Status of each instance (read in chunks: a province window has thousands)."""
    statuses: dict[int, InstanceStatus] = {}
    for offset in range(0, len(instance_ids), 1000):
        chunk = instance_ids[offset:offset + 1000]
        statuses.update(db.session.execute(
            select(ProcessInstance.id, ProcessInstance.status).where(ProcessInstance.id.in_(chunk))
        ).all())
    return statuses


def submit_form(engine, forms, user: User, task: HumanTask, data: dict, context: dict | None = None,
                workflow=None) -> None:
    """What `submit_task_form` does after parsing the HTTP post: validate, check files, complete.

    `context` is the process data that binds a form's options and limits (a ballot's candidates
    and quota); `workflow` the instance already restored in this transaction, if any.
    """
    if task.form_file:
        errors = forms.validate(task.form_file, data, context)
        if errors:
            raise ValueError(f"generated data does not fit {task.form_file}: {errors}")
        cited = forms.evidence_ids(task.form_file, data)
        check_citable(user, task.instance, cited)
        form_keys = tuple(item.key for item in forms.fields(task.form_file))
    else:
        cited, form_keys = set(), ()
    complete_task(engine, user, task, data, form_keys, workflow=workflow)
    link_to_instance(task.instance, cited, uploaded_by=user)
