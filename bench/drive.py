"""Drive processes through the service layer the way their users would, one transaction per action.

A driver starts instances, then works every open human task in the order it appeared (FIFO):
the teacher answers their own steps, someone holding the task's role at its organisation claims
and answers queue steps. What each step is answered with comes from `PROCESSES`: to drive a new
process, add a `ProcessDriver` with its starter and one answer function per user task. An answer
function returns the form data, or None to abandon the instance (e.g. withdraw).
"""
from __future__ import annotations

import io
import random
import time
from datetime import date
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from webapp.applications.operations import start_application, withdraw_application
from webapp.auth import load_user  # as each request loads the acting user
from webapp.evidence.operations import check_citable, link_to_instance, store_upload
from webapp.extensions import db
from webapp.generator import Population
from webapp.models import Application, ApplicationStatus, HumanTask, RoleAssignment, TaskState, TeacherProfile, User
from webapp.roles import Role
from webapp.workflow.operations import claim_task, complete_task, get_actionable_task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STATEMENTS = [
    "十余年来坚持课堂教学改革，主持县级课题两项，指导青年教师五名，所带班级成绩稳居全县前列。",
    "长期担任教研组长，开展大单元教学研究，在县级以上公开课和讲座中多次获奖，积极参与送教下乡。",
    "扎根乡村学校十二年，探索小班化教学，撰写的教学论文获市级一等奖，带动学校数学学科整体进步。",
]


@dataclass
class StepContext:
    """What an answer function may look at to decide."""

    task: HumanTask
    user: User
    rng: random.Random


@dataclass
class ProcessDriver:
    """How to start one process for a teacher, and how each of its user tasks is answered."""

    process_id: str
    start: Callable[[object, User, Population, random.Random], object]
    answers: dict[str, Callable[[StepContext], dict | None]]
    abandon: Callable[[object, User, HumanTask], None]


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
}


# ---- the driver ---------------------------------------------------------------------------------


@dataclass
class DriveStats:
    """Durations per kind of action (seconds) and the wall time of the whole run."""

    durations: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    wall_s: float = 0.0

    @property
    def completions(self) -> int:
        """Completed user tasks."""
        return len(self.durations["complete"])


class Driver:
    """Runs processes for many teachers through the service layer, one transaction per action."""

    def __init__(self, app, population: Population, seed: int = 1, subjects: list[int] | None = None) -> None:
        self.app = app
        # Several drivers in parallel each work only the tasks about their own teachers.
        self.subjects = subjects
        self.engine = app.extensions["workflow_engine"]
        self.forms = app.extensions["form_library"]
        self.population = population
        self.rng = random.Random(seed)
        self.last_task_id = 0
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

    def run(self, teacher_ids: list[int], processes: list[str] | None = None) -> DriveStats:
        """Start every process in `processes` for each teacher, then work all tasks to the end."""
        stats = DriveStats()
        started = time.perf_counter()
        for process_id in processes or list(PROCESSES):
            for teacher_id in teacher_ids:
                self._timed(stats, "start", self._start, PROCESSES[process_id], teacher_id)
        self.work_tasks(stats)
        stats.wall_s = time.perf_counter() - started
        return stats

    def work_tasks(self, stats: DriveStats) -> None:
        """Act on every open task newer than the last one seen, including those created meanwhile."""
        while True:
            query = select(HumanTask.id).where(HumanTask.id > self.last_task_id, HumanTask.state == TaskState.open)
            if self.subjects is not None:
                query = query.where(HumanTask.subject_user_id.in_(self.subjects))
            with self.app.app_context():
                ids = list(db.session.scalars(query.order_by(HumanTask.id).limit(500)))
            if not ids:
                return
            for task_id in ids:
                self.last_task_id = task_id
                self._act(stats, task_id)

    def _act(self, stats: DriveStats, task_id: int) -> None:
        """Claim if needed, then answer (or abandon) one task, each in its own transaction."""
        with self.app.app_context():
            task = db.session.get(HumanTask, task_id)
            actor_id = task.assignee_id or self.role_holders[(task.role, task.org_id)]
            needs_claim = task.assignee_id is None
        if needs_claim:
            self._timed(stats, "claim", self._claim, task_id, actor_id)
        self._timed(stats, "complete", self._complete, task_id, actor_id)

    def _timed(self, stats: DriveStats, kind: str, action, *args) -> None:
        """Run one action in a request context and a transaction; record its duration under `kind`."""
        started = time.perf_counter()
        with self.app.test_request_context():
            outcome = action(*args)
            db.session.commit()
        stats.durations[outcome or kind].append(time.perf_counter() - started)

    def _start(self, driver: ProcessDriver, teacher_id: int) -> None:
        """Start one instance for a teacher."""
        driver.start(self.engine, load_user(teacher_id), self.population, self.rng)

    def _claim(self, task_id: int, user_id: int) -> None:
        """Take a queue task, as the claim button does."""
        user = load_user(user_id)
        claim_task(user, get_actionable_task(user, task_id))

    def _complete(self, task_id: int, user_id: int) -> str | None:
        """Answer a task as the form page would: validate, check cited files, complete, link files."""
        user = load_user(user_id)
        task = get_actionable_task(user, task_id)
        driver = PROCESSES[task.process_id]
        data = driver.answers[task.task_name](StepContext(task, user, self.rng))
        if data is None:
            driver.abandon(self.engine, user, task)
            return "abandon"
        submit_form(self.engine, self.forms, user, task, data)
        return None


def submit_form(engine, forms, user: User, task: HumanTask, data: dict) -> None:
    """What `submit_task_form` does after parsing the HTTP post: validate, check files, complete."""
    if task.form_file:
        errors = forms.validate(task.form_file, data)
        if errors:
            raise ValueError(f"generated data does not fit {task.form_file}: {errors}")
        cited = forms.evidence_ids(task.form_file, data)
        check_citable(user, task.instance, cited)
        form_keys = tuple(item.key for item in forms.fields(task.form_file))
    else:
        cited, form_keys = set(), ()
    complete_task(engine, user, task, data, form_keys)
    link_to_instance(task.instance, cited, uploaded_by=user)
