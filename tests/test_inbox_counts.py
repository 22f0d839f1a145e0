"""The navigation counts (one query for 'mine' and 'queue') agree with the inbox."""
from __future__ import annotations

from sqlalchemy import select

from webapp.processes.self_application.operations import start_application
from webapp.extensions import db
from webapp.models import ApplicationCycle, HumanTask, TaskState, User
from webapp.workflow.operations import claim_task, complete_task
from webapp.workflow.queries import InboxFilter, inbox_counts, inbox_page


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def test_counts_follow_a_task_from_queue_to_mine(app, demo):
    with app.test_request_context():
        engine = app.extensions["workflow_engine"]
        cycle = db.session.scalar(select(ApplicationCycle).filter_by(category="academic_leader"))
        teacher, admin = _user("t001"), _user("s1admin")
        application = start_application(engine, teacher, cycle.id)
        assert inbox_counts(teacher) == {"mine": 1, "queue": 0}
        assert inbox_counts(admin) == {"mine": 0, "queue": 0}
        task = db.session.scalar(select(HumanTask).filter_by(instance_id=application.instance_id, state=TaskState.open))
        complete_task(engine, teacher, task, {"subject": "mathematics", "statement": "坚持课堂教学改革十余年，成效显著。",
                                              "commitment": True, "evidence": []})
        assert inbox_counts(teacher) == {"mine": 0, "queue": 0}
        assert inbox_counts(admin) == {"mine": 0, "queue": 1}
        review = db.session.scalar(select(HumanTask).filter_by(instance_id=application.instance_id, state=TaskState.open))
        claim_task(admin, review)
        assert inbox_counts(admin) == {"mine": 1, "queue": 0}
        assert inbox_page(admin, InboxFilter(), 1, 25)[1] == 1
        # Someone without any role sees nothing and costs no queue condition.
        nobody = User(username="nobody", display_name="nobody", password_hash="-")
        db.session.add(nobody)
        db.session.flush()
        assert inbox_counts(nobody) == {"mine": 0, "queue": 0}
