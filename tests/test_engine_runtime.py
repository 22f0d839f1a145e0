"""The engine layer: versions stored once, running instances keep theirs, errors and timers."""
from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.config import PROJECT_ROOT
from webapp.engine.runtime import WorkflowEngine
from webapp.extensions import db
from webapp.models import (
    ApplicationCycle, HumanTask, InstanceStatus, ProcessInstance, ProcessVersion, TaskState, User, utcnow,
)
from webapp.processes.self_application.models import Application, ApplicationStatus
from webapp.processes.self_application.operations import start_application
from webapp.workflow.operations import complete_task
from webapp.workflow.timer_jobs import advance_due_timers


@pytest.fixture
def engine_dir(tmp_path):
    """A copy of workflows/ that a test may edit like an administrator would."""
    target = tmp_path / "workflows"
    shutil.copytree(PROJECT_ROOT / "workflows", target)
    return target


def _teacher(username="t001") -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def _cycle(category="academic_leader") -> ApplicationCycle:
    return db.session.scalar(select(ApplicationCycle).filter_by(category=category))


def _declaration():
    return {"subject": "mathematics", "statement": "坚持课堂教学改革十余年，成效显著。", "commitment": True, "evidence": []}


def test_editing_a_diagram_leaves_running_instances_on_their_version(app, demo, engine_dir):
    with app.test_request_context():
        engine = WorkflowEngine(engine_dir, app.extensions["workflow_engine"].registry)
        first = start_application(engine, _teacher("t001"), _cycle().id)
        db.session.commit()

        path = engine_dir / "self_application.bpmn"
        path.write_text(path.read_text(encoding="utf-8").replace('name="学校审核申报"', 'name="学校审核（新版）"'), encoding="utf-8")
        assert engine.reload() == []
        second = start_application(engine, _teacher("t004"), _cycle().id)
        db.session.commit()

        old, new = db.session.get(ProcessInstance, first.instance_id), db.session.get(ProcessInstance, second.instance_id)
        assert old.version_id != new.version_id
        assert db.session.scalar(select(db.func.count(ProcessVersion.id))) == 2
        # The state row does not repeat the spec: it lives once on the version.
        assert "task_specs" not in old.state_json and "task_specs" in old.version.spec_json

        for instance in (old, new):
            task = db.session.scalar(select(HumanTask).filter_by(instance_id=instance.id, state=TaskState.open))
            complete_task(engine, _teacher("t001") if instance is old else _teacher("t004"), task, _declaration())
        db.session.commit()
        titles = {
            row.instance_id: row.title
            for row in db.session.scalars(select(HumanTask).filter_by(task_name="school_review", state=TaskState.open))
        }
        assert titles == {old.id: "学校审核申报", new.id: "学校审核（新版）"}


def test_same_files_same_version(app, demo, engine_dir):
    with app.test_request_context():
        engine = WorkflowEngine(engine_dir, app.extensions["workflow_engine"].registry)
        start_application(engine, _teacher("t001"), _cycle().id)
        engine.reload()
        start_application(engine, _teacher("t004"), _cycle().id)
        db.session.commit()
        assert db.session.scalar(select(db.func.count(ProcessVersion.id))) == 1


def test_a_failing_handler_flags_the_instance_instead_of_failing_the_request(app, demo, engine_dir):
    path = engine_dir / "self_application.bpmn"
    text = path.read_text(encoding="utf-8")
    start = text.index('serviceTaskOperator id="applicant_facts"')
    broken = text[:start] + text[start:].replace('value="application_id" />', 'value="application_id + 100000" />', 1)
    path.write_text(broken, encoding="utf-8")
    with app.test_request_context():
        engine = WorkflowEngine(engine_dir, app.extensions["workflow_engine"].registry)
        application = start_application(engine, _teacher(), _cycle().id)
        task = db.session.scalar(select(HumanTask).filter_by(instance_id=application.instance_id, state=TaskState.open))
        complete_task(engine, _teacher(), task, _declaration())
        db.session.commit()
        instance = db.session.get(ProcessInstance, application.instance_id)
        assert instance.status is InstanceStatus.error
        assert "applicant_facts" in instance.error_message and "does not exist" in instance.error_message
        # The teacher's step is kept: nothing they entered is lost.
        assert db.session.get(HumanTask, task.id).state is TaskState.completed


def test_the_deadline_timer_expires_an_unsubmitted_application(app, demo):
    with app.test_request_context():
        engine = app.extensions["workflow_engine"]
        cycle = _cycle()
        application = start_application(engine, _teacher(), cycle.id)
        db.session.commit()
        instance = db.session.get(ProcessInstance, application.instance_id)
        assert instance.next_timer_dt == cycle.deadline_dt

        # Move the deadline into the past, as if the clock had reached it.
        past = utcnow() - timedelta(minutes=1)
        state = json.loads(instance.state_json)
        for task in state["tasks"].values():
            if task.get("internal_data", {}).get("event_value"):
                task["internal_data"]["event_value"] = past.isoformat()
        instance.state_json = json.dumps(state)
        instance.next_timer_dt = past
        db.session.commit()

        assert advance_due_timers(engine) == 1
        db.session.expire_all()
        instance = db.session.get(ProcessInstance, application.instance_id)
        assert instance.status is InstanceStatus.completed
        assert db.session.get(Application, application.id).status is ApplicationStatus.expired
        assert db.session.scalar(select(HumanTask).filter_by(instance_id=instance.id, state=TaskState.open)) is None
        assert advance_due_timers(engine) == 0  # nothing is due any more


def test_instructions_are_rendered_in_both_languages(app, demo):
    with app.test_request_context():
        engine = app.extensions["workflow_engine"]
        application = start_application(engine, _teacher(), _cycle().id)
        task = db.session.scalar(select(HumanTask).filter_by(instance_id=application.instance_id))
        deadline = _cycle().deadline_dt.isoformat()[:10]
        assert deadline in task.instructions and "请填写申报表" in task.instructions
        assert deadline in task.instructions_en and "Fill in the declaration form" in task.instructions_en
        assert task.title_en == "Fill in the declaration form"
        assert task.due_dt == _cycle().deadline_dt


def test_saved_state_is_what_the_library_would_save_minus_the_spec(app, demo):
    """The state is serialised without building the spec; it must equal the library's own output."""
    from webapp.engine.serialization import SERIALIZER, workflow_state_to_json

    with app.test_request_context():
        engine = app.extensions["workflow_engine"]
        application = start_application(engine, _teacher(), _cycle().id)
        task = db.session.scalar(select(HumanTask).filter_by(instance_id=application.instance_id, state=TaskState.open))
        complete_task(engine, _teacher(), task, _declaration())  # past a service task and the DMN table
        workflow = engine.restore(db.session.get(ProcessInstance, application.instance_id))
        expected = SERIALIZER.to_dict(workflow)
        expected.pop("spec")
        expected.pop("subprocess_specs")
        expected[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        assert json.loads(workflow_state_to_json(workflow)) == json.loads(json.dumps(expected))
        db.session.rollback()
