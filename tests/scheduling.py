"""Shared set-up for scheduler tests: due timers from real applications, open steps with due dates."""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    ApplicationCycle,
    HumanTask,
    InstanceStatus,
    Organisation,
    ProcessInstance,
    ProcessVersion,
    TaskState,
    User,
    utcnow,
)
from webapp.roles import Role

BASE_URL = "https://sanji.example.cn"


@contextmanager
def configured(app, **settings):
    """Change app settings for the duration of a test (the app is shared by the session)."""
    old = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    try:
        yield
    finally:
        app.config.update(old)


def user(username: str) -> User:
    """A demo user by login name."""
    return db.session.scalar(select(User).filter_by(username=username))


def org(code: str) -> Organisation:
    """A demo organisation by code ('530101' county, '530101-01' first school)."""
    return db.session.scalar(select(Organisation).filter_by(code=code))


def make_timers_due(instance: ProcessInstance, when: datetime) -> None:
    """Rewrite the instance's waiting timers to fire at `when`, as if the clock had reached it."""
    state = json.loads(instance.state_json)
    for task in state["tasks"].values():
        if task.get("internal_data", {}).get("event_value"):
            task["internal_data"]["event_value"] = when.isoformat()
    instance.state_json = json.dumps(state)
    instance.next_timer_dt = when


def start_due_applications(app, count: int) -> list[int]:
    """Start `count` self-applications of demo teachers (up to 120) with their deadline timer due."""
    from webapp.processes.self_application.operations import start_application

    engine = app.extensions["workflow_engine"]
    ids = []
    with app.test_request_context():
        teachers = db.session.scalars(select(User).where(User.username.like("t0%")).order_by(User.username)).all()
        cycles = db.session.scalars(select(ApplicationCycle).order_by(ApplicationCycle.id)).all()
        past = utcnow() - timedelta(minutes=5)
        for cycle in cycles:
            for teacher in teachers:
                if len(ids) == count:
                    break
                application = start_application(engine, teacher, cycle.id)
                instance = db.session.get(ProcessInstance, application.instance_id)
                make_timers_due(instance, past)
                ids.append(instance.id)
        db.session.commit()
    assert len(ids) == count, f"only {len(ids)} applications could be started"
    return ids


def synthetic_instance() -> ProcessInstance:
    """A running instance row to hang hand-made steps on (the reminder scan reads task rows only)."""
    version = db.session.scalar(select(ProcessVersion).filter_by(content_hash="synthetic"))
    if version is None:
        version = ProcessVersion(process_id="synthetic", content_hash="synthetic", name="合成流程",
                                 source_file="-", spec_json="{}")
        db.session.add(version)
        db.session.flush()
    school = org("530101-01")
    instance = ProcessInstance(version_id=version.id, process_id="synthetic", org_id=school.id,
                               org_path=school.path, title="合成流程", state_json="{}",
                               status=InstanceStatus.running)
    db.session.add(instance)
    db.session.flush()
    return instance


def next_reminder(task_id: int) -> datetime | None:
    """When the reminder scan will look at a step next (None: no reminder pending)."""
    return db.session.scalar(select(HumanTask.reminder_dt).where(HumanTask.id == task_id))


def open_step(instance: ProcessInstance, *, role: Role, org_code: str, due: datetime, assignee: User | None = None,
              name: str = "review", title: str = "学校审核申报", title_en: str = "School review",
              next_reminder: datetime | None = None) -> HumanTask:
    """An open step with a due date, as sync_human_tasks would create it."""
    task = HumanTask(
        instance_id=instance.id, process_id=instance.process_id, bpmn_task_id=f"{instance.id}-{name}-{due.timestamp()}",
        task_name=name, title=title, title_en=title_en, role=role, org_id=org(org_code).id,
        subject_name="王老师 · 县级学科带头人", assignee_id=assignee.id if assignee else None,
        created_dt=due - timedelta(days=10), due_dt=due, state=TaskState.open,
        reminder_dt=next_reminder or (due - timedelta(days=10)),
    )
    db.session.add(task)
    db.session.flush()
    return task
