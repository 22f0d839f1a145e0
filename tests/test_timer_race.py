"""A timer firing while a user completes a task on the same instance: neither update is lost.

The process runs a review (user task) beside a timer whose script marks that it ran. Whatever the
interleaving, the instance must end with the reviewer's answer and exactly one timer run.
Note: SpiffWorkflow fires due timers at the end of every engine step, so a user who saves first
fires the due timer in their own transaction and the job then finds nothing left to do.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import func, select

from webapp.config import PROJECT_ROOT
from webapp.engine.runtime import WorkflowEngine
from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, InstanceStatus, ProcessInstance, utcnow
from webapp.core.errors import Conflict
from webapp.workflow.operations import complete_task, start_instance
from webapp.workflow.timer_jobs import advance_due_timers

from .scheduling import make_timers_due, org, user

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "scheduler"


@pytest.fixture
def engine(app):
    """An engine over the parallel review + timer process."""
    return WorkflowEngine(FIXTURE, app.extensions["workflow_engine"].registry)


@pytest.fixture
def instance_id(app, demo, engine) -> int:
    """A running instance: the review waits for the school administrator, the timer is due."""
    with app.app_context():
        return _due_instance(engine)


def _due_instance(engine) -> int:
    """Start the process and make its timer due (committed)."""
    instance = start_instance(engine, "parallel_timer", org=org("530101-01"), actor=None, title="并行审核")
    make_timers_due(instance, utcnow() - timedelta(minutes=1))
    db.session.commit()
    return instance.id


def _review(instance_id: int) -> HumanTask:
    return db.session.scalar(select(HumanTask).filter_by(instance_id=instance_id, task_name="review"))


def _timer_in_thread(app, engine, result: dict) -> threading.Thread:
    """Run the timer job in another thread (its own app context and session)."""

    def run():
        with app.app_context():
            result["advanced"] = advance_due_timers(engine)
            db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _assert_both_updates_kept(app, engine, instance_id: int) -> None:
    """The workflow ends with the reviewer's answer and the timer's mark; each happened once."""
    with app.app_context():
        instance = db.session.get(ProcessInstance, instance_id)
        assert instance.status is InstanceStatus.completed
        workflow = engine.restore(instance)
        assert workflow.data.get("timer_fired") is True and workflow.data.get("decision") == "accept"
        timer_runs = [t for t in workflow.get_tasks(spec_name="note_deadline") if t.state == SpiffState.COMPLETED]
        assert len(timer_runs) == 1
        actions = dict(db.session.execute(
            select(AuditEvent.action, func.count()).where(AuditEvent.instance_id == instance_id).group_by(AuditEvent.action)
        ).all())
        assert actions.get("timer", 0) <= 1 and actions["completed"] == 1
        assert advance_due_timers(engine) == 0  # nothing left to fire


def test_timer_saves_first_user_gets_409_then_succeeds(app, engine, instance_id):
    result: dict = {}
    with app.app_context():
        task = _review(instance_id)
        _ = task.instance.state_json  # the user's request has read the instance (not yet saved)
        _timer_in_thread(app, engine, result).join(60)
        assert result["advanced"] == 1
        with pytest.raises(Conflict):
            complete_task(engine, user("s1admin"), task, {"decision": "accept"})
        db.session.rollback()
    with app.app_context():  # the user reloads and submits again, on the state that includes the timer
        complete_task(engine, user("s1admin"), _review(instance_id), {"decision": "accept"})
        db.session.commit()
    _assert_both_updates_kept(app, engine, instance_id)


def test_user_saves_first_and_the_job_finds_nothing_left(app, engine, instance_id):
    result: dict = {}
    with app.app_context():
        complete_task(engine, user("s1admin"), _review(instance_id), {"decision": "accept"})
        # The user's transaction holds the instance now; the timer job runs meanwhile.
        thread = _timer_in_thread(app, engine, result)
        time.sleep(0.5)
        db.session.commit()
        thread.join(60)
    assert result["advanced"] == 0
    _assert_both_updates_kept(app, engine, instance_id)


def test_an_instance_held_by_a_request_is_fired_on_the_next_run(app, engine, instance_id):
    from webapp.workflow.advance import lock_instance

    result: dict = {}
    with app.app_context():
        # A request has taken the instance's lock (bumped its version) and not yet committed.
        lock_instance(db.session.get(ProcessInstance, instance_id))
        thread = _timer_in_thread(app, engine, result)
        time.sleep(0.5)
        db.session.commit()
        thread.join(60)
    # PostgreSQL: SKIP LOCKED passes the locked row by. SQLite: the job waits for the lock, then
    # its optimistic lock fails and it rolls back. Either way the timer stays due...
    assert result["advanced"] == 0
    with app.app_context():
        assert db.session.get(ProcessInstance, instance_id).next_timer_dt <= utcnow()
        assert advance_due_timers(engine) == 1  # ...and the next run fires it
        complete_task(engine, user("s1admin"), _review(instance_id), {"decision": "accept"})
        db.session.commit()
    _assert_both_updates_kept(app, engine, instance_id)


def test_a_completion_under_way_holds_the_instance_against_the_job(app, engine, instance_id):
    """A completion's first write (its audit row) comes before any handler's: on PostgreSQL its
    foreign key holds the instance's row (KEY SHARE), so the scheduler's claim passes it by and
    never holds the row while the completion holds others (the order of locks that avoids a
    deadlock with a ballot). On SQLite that first write takes the database's write lock."""
    from webapp.workflow.advance import enter_instance

    result: dict = {}
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        task = _review(instance_id)
        enter_instance(task.instance, user("s1admin"), task, data=None)
        thread = _timer_in_thread(app, engine, result)
        thread.join(10 if postgresql else 0.2)  # PostgreSQL: a claim that waited would still be running
        if postgresql:
            assert not thread.is_alive() and result["advanced"] == 0  # passed by, not waiting
        else:
            assert thread.is_alive()  # waiting for the write lock the completion holds
        db.session.rollback()  # the completion gives up (it lost elsewhere, say)
        thread.join(60)
    with app.app_context():
        if postgresql:
            assert db.session.get(ProcessInstance, instance_id).next_timer_dt <= utcnow()
            assert advance_due_timers(engine) == 1  # the next run fires it
        else:
            assert result["advanced"] == 1  # it went ahead once the write lock was free
        complete_task(engine, user("s1admin"), _review(instance_id), {"decision": "accept"})
        db.session.commit()
    _assert_both_updates_kept(app, engine, instance_id)


def test_racing_many_times_never_loses_an_update(app, demo, engine):
    """Start both at the same moment, repeatedly: whichever loses is retried, and both always land."""
    for _round in range(5):
        with app.app_context():
            instance_id = _due_instance(engine)
        barrier = threading.Barrier(2, timeout=30)
        outcome: dict = {}

        def user_completes():
            with app.app_context():
                barrier.wait()
                try:
                    complete_task(engine, user("s1admin"), _review(instance_id), {"decision": "accept"})
                    db.session.commit()
                    outcome["user"] = "saved"
                except Conflict:
                    db.session.rollback()
                    outcome["user"] = "conflict"
                db.session.remove()

        def timer_fires():
            with app.app_context():
                barrier.wait()
                outcome["timer"] = advance_due_timers(engine)
                db.session.remove()

        threads = [threading.Thread(target=user_completes), threading.Thread(target=timer_fires)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        with app.app_context():  # the loser tries again, as a user or the next scheduler run would
            if outcome["user"] == "conflict":
                complete_task(engine, user("s1admin"), _review(instance_id), {"decision": "accept"})
                db.session.commit()
            advance_due_timers(engine)
        _assert_both_updates_kept(app, engine, instance_id)
