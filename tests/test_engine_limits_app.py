"""A runaway diagram in the running app: the request gets an error page, the instance an error
state for administrators, the worker and the scheduler go on; `make check-files` refuses the
files that used to hang a worker."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from webapp.config import PROJECT_ROOT
from webapp.engine.limits import EngineLimits
from webapp.engine.runtime import WorkflowEngine
from webapp.extensions import db
from webapp.forms import FormLibrary
from webapp.models import AuditEvent, HumanTask, InstanceStatus, ProcessInstance, TaskState
from webapp.workflow.timer_jobs import advance_due_timers

from .helpers import cycle_id_for, declaration, reach_timers, start_application, submit

HANGING = Path(__file__).parent / "fixtures" / "engine" / "hanging"


@pytest.fixture
def runaway_engine(app, tmp_path, monkeypatch):
    """The app's engine on a copy of workflows/ where an ineligible application and an expired
    deadline loop through engine steps forever (at most 40 steps per advance here)."""
    target = tmp_path / "workflows"
    shutil.copytree(PROJECT_ROOT / "workflows", target)
    path = target / "self_application.bpmn"
    text = path.read_text(encoding="utf-8")
    text = text.replace('sourceRef="mark_ineligible" targetRef="fill_declaration"',
                        'sourceRef="mark_ineligible" targetRef="prepare_check"')
    text = text.replace('sourceRef="mark_expired" targetRef="end_expired"',
                        'sourceRef="mark_expired" targetRef="mark_expired"')
    path.write_text(text, encoding="utf-8")
    engine = WorkflowEngine(target, app.extensions["workflow_engine"].registry, EngineLimits(engine_max_steps=40),
                            app.extensions["form_library"].problem)
    assert engine.reload() == []
    monkeypatch.setitem(app.extensions, "workflow_engine", engine)
    return engine


def _instance_of(app, username: str) -> ProcessInstance:
    """The latest instance about a teacher."""
    from webapp.models import User

    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        return db.session.scalars(
            select(ProcessInstance).filter_by(subject_user_id=user.id).order_by(ProcessInstance.id.desc())
        ).first()


def test_a_runaway_process_gives_an_error_page_and_keeps_the_step(app, login, runaway_engine):
    teacher = login("t002")  # 50: ineligible as an academic leader, so the looping branch runs
    task_id = start_application(teacher, cycle_id_for(app, "academic_leader"))
    started = time.monotonic()
    response = submit(teacher, task_id, declaration(subject="chinese"))
    assert time.monotonic() - started < 15
    assert response.status_code == 500
    assert "您的操作已保存，但流程随后因错误而停止" in response.get_data(as_text=True)

    instance = _instance_of(app, "t002")
    assert instance.status is InstanceStatus.error
    assert "stopped after 40 engine steps in one go (ENGINE_MAX_STEPS)" in instance.error_message
    with app.app_context():
        assert db.session.get(HumanTask, task_id).state is TaskState.completed  # the step is kept
        actions = list(db.session.scalars(select(AuditEvent.action).filter_by(instance_id=instance.id)))
        assert actions[-2:] == ["completed", "error"]
    # The worker goes on serving, and administrators read what happened on the process page.
    assert teacher.get("/inbox").status_code == 200
    page = login("admin").get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "ENGINE_MAX_STEPS" in page
    # An ordinary submission still ends with the usual redirect.
    eligible = login("t001")
    response = submit(eligible, start_application(eligible, cycle_id_for(app, "academic_leader")), declaration())
    assert response.status_code == 302


def test_a_runaway_timer_is_flagged_and_the_scheduler_goes_on(app, login, runaway_engine):
    teacher = login("t001")
    start_application(teacher, cycle_id_for(app, "academic_leader"))
    instance = _instance_of(app, "t001")
    assert reach_timers(app, instance.id) == 1
    instance = _instance_of(app, "t001")
    assert instance.status is InstanceStatus.error
    assert "ENGINE_MAX_STEPS" in instance.error_message
    with app.test_request_context():
        assert advance_due_timers(runaway_engine) == 0  # flagged, not fired again and again


def test_check_files_refuses_the_hanging_files(app, monkeypatch):
    forms = FormLibrary(HANGING / "forms")
    monkeypatch.setitem(app.extensions, "form_library", forms)
    monkeypatch.setitem(app.extensions, "workflow_engine", WorkflowEngine(HANGING / "workflows", form_checker=forms.problem))
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["check-files"])
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for expected in [
        "multi_instance_huge.bpmn:14 [count_each]: loopCardinality: a multi-instance task may create at most 500 "
        "instances, not 10,000,000 (MULTI_INSTANCE_MAX)",
        "timer_cycle_zero.bpmn:21 [remind]: timeCycle: a timer cycle without a count (R/...) repeats forever: give "
        "one, at most 100 (e.g. R3/P1D; TIMER_CYCLE_MAX_COUNT)",
        "bad_forms.bpmn:50 [form_fanout]: formJsonSchemaFilename 'fanout.schema.json': the form expands to more "
        "than 500 fields once its $refs are followed (field a0.a0.a0.a0.a0.a4.a4.a5 is one too many): do its $refs "
        "fan out?",
        "fanout.schema.json: the form expands to more than 500 fields once its $refs are followed (field "
        "a0.a0.a0.a0.a0.a4.a4.a5 is one too many): do its $refs fan out?",
        "bad_forms.bpmn:14 [form_traversal]: formJsonSchemaFilename '../../../etc/passwd.json': file name "
        "'../../../etc/passwd.json' must match [A-Za-z0-9_][A-Za-z0-9_.-]*.json",
        "bad_forms.bpmn:23 [form_missing]: formJsonSchemaFilename 'no_such_form.schema.json': file not found in the "
        "forms directory",
    ]:
        assert expected in lines
    assert any(line.startswith("bad_forms.bpmn:32 [form_remote_ref]: ") and "http://attacker.example" in line
               for line in lines)
    assert any(line.startswith("bad_forms.bpmn:41 [form_file_ref]: ") and "file:///etc/passwd" in line
               for line in lines)
    assert "All workflow and form files are valid." not in result.output
