"""The faster serialisation path gives the same state as the library, and restored workflows stay independent."""
from __future__ import annotations

import json

from sqlalchemy import select

from webapp.processes.self_application.operations import start_application
from webapp.engine.serialization import SERIALIZER, workflow_from_json, workflow_state_to_json
from webapp.extensions import db
from webapp.models import ApplicationCycle, ProcessInstance, User


def _instance(app) -> ProcessInstance:
    engine = app.extensions["workflow_engine"]
    teacher = db.session.scalar(select(User).filter_by(username="t001"))
    cycle = db.session.scalar(select(ApplicationCycle).filter_by(category="academic_leader"))
    return db.session.get(ProcessInstance, start_application(engine, teacher, cycle.id).instance_id)


def test_state_json_equals_the_librarys_serialisation_without_the_spec(app, demo):
    with app.test_request_context():
        engine = app.extensions["workflow_engine"]
        workflow = engine.restore(_instance(app))
        expected = SERIALIZER.to_dict(workflow)
        expected.pop("spec")
        expected.pop("subprocess_specs")
        expected[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        assert json.loads(workflow_state_to_json(workflow)) == json.loads(json.dumps(expected))


def test_restored_workflows_share_the_spec_but_not_their_state(app, demo):
    with app.test_request_context():
        engine = app.extensions["workflow_engine"]
        instance = _instance(app)
        first, second = engine.restore(instance), engine.restore(instance)
        assert first.spec is second.spec  # deserialised once
        task = first.get_next_task()
        task.data["statement"] = "只改第一个"
        assert "statement" not in second.get_task_from_id(task.id).data
        assert first.script_engine is engine.script_engine
        # An older serialisation format still goes through the library's migrations.
        state = json.loads(instance.state_json)
        state[SERIALIZER.VERSION_KEY] = "1.4"
        migrated = workflow_from_json(json.dumps(state), instance.version.spec_json, engine.script_engine)
        assert migrated.spec is not first.spec and migrated.get_task_from_id(task.id) is not None
