"""Schedulers: two at once never duplicate or miss work; failures are recorded; where it may start."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import click
import pytest
from flask import Flask
from sqlalchemy import func, select

from webapp.config import PROJECT_ROOT
from webapp.extensions import db
from webapp.models import (
    AuditEvent, EmailState, HumanTask, InstanceStatus, Notification, ProcessInstance, SchedulerFailure, SchedulerJob, utcnow,
)
from webapp.processes.self_application.models import Application, ApplicationStatus
from webapp.roles import Role
from webapp.scheduler import build_scheduler, should_embed
from webapp.scheduler.jobs import JOBS
from webapp.scheduler.records import Lease
from webapp.scheduler.runner import JobRunner, JobSpec

from .scheduling import BASE_URL, configured, open_step, start_due_applications, synthetic_instance, user
from .support.smtp import SmtpSink

FAST = {"SCHEDULER_TIMER_SECONDS": 1, "SCHEDULER_REMINDER_SECONDS": 1, "SCHEDULER_DELIVERY_SECONDS": 1}


def _reminder_steps(count: int) -> int:
    """Open overdue steps spread over the three schools and roles; return how many notifications they need."""
    now = utcnow()
    expected = 0
    with_holders = [(Role.school_admin, "530101-0{n}", 1), (Role.school_committee, "530101-0{n}", 3)]
    teacher = user("t001")
    instance = synthetic_instance()
    for number in range(count):
        school = number % 3 + 1
        due = now - timedelta(hours=1 + number % 5)  # due, not yet overdue by a working day: one reminder each
        if number % 4 == 0:
            open_step(instance, role=Role.teacher, org_code="530101-01", due=due, assignee=teacher,
                      name=f"s{number}")
            expected += 1
            continue
        role, code, holders = with_holders[number % 2]
        open_step(instance, role=role, org_code=code.format(n=school), due=due, name=f"s{number}")
        expected += holders
    db.session.commit()
    return expected


def _wait_until_done(app, timeout: float = 120) -> None:
    """Poll until no timer, reminder or e-mail is left to do."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            now = utcnow()
            left = (
                db.session.scalar(select(func.count(ProcessInstance.id)).where(
                    ProcessInstance.status == InstanceStatus.running, ProcessInstance.next_timer_dt <= now))
                + db.session.scalar(select(func.count(HumanTask.id)).where(HumanTask.reminder_dt <= now))
                + db.session.scalar(select(func.count(Notification.id)).where(
                    Notification.email_state.in_([EmailState.pending, EmailState.sending])))
            )
            db.session.remove()
        if left == 0:
            return
        time.sleep(0.3)
    raise AssertionError(f"work left after {timeout} s")


def _assert_everything_done_once(app, instance_ids: list[int], expected_notes: int, sink: SmtpSink) -> None:
    """Every timer fired once, every reminder written and e-mailed once, no failure recorded."""
    with app.app_context():
        timers = Counter(db.session.scalars(select(AuditEvent.instance_id).where(AuditEvent.action == "timer")))
        assert timers == {instance_id: 1 for instance_id in instance_ids}
        statuses = set(db.session.scalars(select(Application.status)))
        assert statuses == {ApplicationStatus.expired}
        assert db.session.scalar(select(func.count(Notification.id))) == expected_notes
        assert set(db.session.scalars(select(Notification.email_state))) == {EmailState.sent}
        failures = db.session.scalars(select(SchedulerFailure.error)).all()
        assert failures == []
    message_ids = Counter(message["Message-ID"] for message in sink.messages)
    assert len(message_ids) == expected_notes and set(message_ids.values()) == {1}


@pytest.fixture
def workload(app, demo):
    """60 applications whose deadline timer is due, 90 overdue steps, and an SMTP server."""
    instance_ids = start_due_applications(app, 60)
    with app.app_context():
        expected = _reminder_steps(90)
    sink = SmtpSink().start()
    yield instance_ids, expected, sink
    sink.stop()


def test_two_schedulers_in_one_process_do_everything_once(app, workload):
    instance_ids, expected, sink = workload
    with configured(app, BASE_URL=BASE_URL, **FAST, **sink.config()):
        schedulers = [build_scheduler(app, runner_id=f"scheduler-{n}", first_run_in=0.1) for n in (1, 2)]
        for scheduler in schedulers:
            scheduler.start()
        try:
            _wait_until_done(app)
        finally:
            for scheduler in schedulers:
                scheduler.shutdown(wait=True)
    _assert_everything_done_once(app, instance_ids, expected, sink)


def test_two_scheduler_processes_do_everything_once(app, workload, tmp_path):
    instance_ids, expected, sink = workload
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test", "INSTANCE_DIR": str(tmp_path),
        "BASE_URL": BASE_URL, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "SMTP_SECURITY": "none",
        "SMTP_FROM": "noreply@sanji.example.cn", **{key: str(value) for key, value in FAST.items()},
    }
    command = [sys.executable, "-m", "flask", "--app", "webapp:create_app", "scheduler"]
    processes = [subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for _ in range(2)]
    try:
        _wait_until_done(app)
    finally:
        outputs = [_stop(process) for process in processes]
    for output in outputs:
        assert "Scheduler stopped." in output, output[-5000:]
    _assert_everything_done_once(app, instance_ids, expected, sink)
    with app.app_context():
        runner_pids = {int(runner.split(":")[1]) for runner in db.session.scalars(select(SchedulerJob.last_runner))}
        assert runner_pids <= {process.pid for process in processes}


def _stop(process: subprocess.Popen) -> str:
    """SIGTERM a scheduler process and return its output (killed, with what it said, if it hangs)."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # with PYTHONFAULTHANDLER set: every thread's stack
        try:
            return "did not stop within 60 s:\n" + process.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            return "did not stop within 60 s, killed:\n" + process.communicate()[0]


def test_a_failing_job_is_recorded_and_does_not_escape(app, demo):
    def broken(now, lease):
        raise RuntimeError("the disk is on fire")

    runner = JobRunner(app, "runner-x")
    spec = JobSpec("broken_job", "broken", "SCHEDULER_TIMER_SECONDS", broken)
    assert runner.run(spec) == "failed"
    assert runner.run(JOBS[1]) == "ok"  # the next job runs as usual
    with app.app_context():
        failure = db.session.scalar(select(SchedulerFailure))
        assert failure.job == "broken_job" and "the disk is on fire" in failure.error and "Traceback" in failure.error
        assert failure.runner == "runner-x"
        row = db.session.get(SchedulerJob, "broken_job")
        assert row.last_status == "failed" and "the disk is on fire" in row.last_error


def test_a_broken_instance_is_recorded_and_the_others_still_fire(app, demo):
    instance_ids = start_due_applications(app, 3)
    with app.app_context():
        db.session.get(ProcessInstance, instance_ids[1]).state_json = '{"not": "a workflow"}'
        db.session.commit()
    assert JobRunner(app).run(JOBS[0]) == "ok"
    with app.app_context():
        statuses = [db.session.get(ProcessInstance, i).status for i in instance_ids]
        assert statuses == [InstanceStatus.completed, InstanceStatus.running, InstanceStatus.completed]
        failure = db.session.scalar(select(SchedulerFailure))
        assert failure.job == "advance_timers" and failure.context == f"instance {instance_ids[1]}"


def test_sqlite_lease_lets_one_scheduler_run_a_job_at_a_time(app, demo):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            pytest.skip("PostgreSQL claims rows with SKIP LOCKED; the lease is the SQLite path")
        JobRunner(app, "a").register(JOBS[0], None)
        first, second = Lease(JOBS[0].name, "a", 60), Lease(JOBS[0].name, "b", 60)
        assert first.acquire() and not second.acquire()
        # While "a" holds the lease, scheduler "b" skips the job instead of running it alongside.
        assert JobRunner(app, "b").run(JOBS[0]) == "skipped"
        first.release()
        assert second.acquire()
        # An expired lease (its holder died) is taken over.
        db.session.get(SchedulerJob, JOBS[0].name).lease_expires_dt = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert first.acquire()
        with pytest.raises(Exception, match="taken over"):
            second.renew()
        db.session.rollback()


def _click_context(name: str, **params):
    context = click.Context(click.Command(name), info_name=name)
    context.params.update(params)
    return context


@pytest.mark.parametrize(
    "command, params, env, enabled, expected",
    [
        ("run", {"reload": False}, {}, True, True),  # make run: the single serving process
        ("run", {"reload": None}, {}, True, True),  # no --debug: no reloader
        ("run", {"reload": True}, {}, True, False),  # the reloader's watcher process
        ("run", {"reload": True}, {"WERKZEUG_RUN_MAIN": "true"}, True, True),  # the reloader's serving child
        ("run", {"reload": False}, {}, False, False),  # SCHEDULER_ENABLED=0
        ("upgrade", {}, {}, True, False),  # flask db upgrade, demo-data, scheduler, …
        (None, {}, {}, True, False),  # gunicorn workers: no CLI command at all
    ],
)
def test_embedded_only_in_the_serving_process(monkeypatch, command, params, env, enabled, expected):
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = Flask("probe")
    app.config["SCHEDULER_ENABLED"] = enabled
    if command is None:
        assert should_embed(app) is expected
        return
    with _click_context(command, **params):
        assert should_embed(app) is expected


def test_flask_run_with_the_reloader_starts_one_scheduler(app, demo, tmp_path):
    from .support.smtp import free_port

    env = {
        **os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test",
        "INSTANCE_DIR": str(tmp_path), "SCHEDULER_TIMER_SECONDS": "1", "SMTP_HOST": "",
    }
    env.pop("WERKZEUG_RUN_MAIN", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "webapp:create_app", "run", "--debug", "--reload",
         "--port", str(free_port())],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        runners: set[str] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(runners) == 0:
            time.sleep(0.5)
            with app.app_context():
                runners = set(db.session.scalars(select(SchedulerJob.last_runner).where(SchedulerJob.last_runner.is_not(None))))
                db.session.remove()
        time.sleep(3)  # a second scheduler, if one were started, would show up by now
        with app.app_context():
            runners = set(db.session.scalars(select(SchedulerJob.last_runner).where(SchedulerJob.last_runner.is_not(None))))
            db.session.remove()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    assert len({runner.rsplit(":", 1)[0] for runner in runners}) == 1, runners
    pid = int(next(iter(runners)).split(":")[1])
    assert pid != server.pid  # the reloader's child serves and schedules; its watcher parent does not


def test_shutdown_waits_for_a_running_job_and_returns(app, demo, monkeypatch):
    """A job still running at shutdown finishes and is recorded (it must not call back into APScheduler,
    whose shutdown holds its locks while it waits for running jobs)."""
    import threading

    import webapp.scheduler.jobs

    started, finished = threading.Event(), threading.Event()

    def slow(now, lease):
        started.set()
        time.sleep(1)
        finished.set()
        return 1

    monkeypatch.setattr(webapp.scheduler.jobs, "JOBS", (JobSpec("slow_job", "slow", "SCHEDULER_TIMER_SECONDS", slow),))
    scheduler = build_scheduler(app, runner_id="slow", first_run_in=0.1)
    scheduler.start()
    assert started.wait(10)
    stopper = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True})
    stopper.start()
    stopper.join(20)
    assert not stopper.is_alive() and finished.is_set()
    with app.app_context():
        assert db.session.get(SchedulerJob, "slow_job").last_status == "ok"
