"""The training's and the conferral's events: a trainee eliminated reads why, a reserve who joins is
told, a new holder gets the certificate number and a link to print it; each once (event keys)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Notification, NotificationKind, TitleHolding, User

from .conftest import empty_database


@pytest.fixture(autouse=True)
def clean_database():
    """The demo's cohorts are shared by the tests here, emptied once at the end."""
    yield


@pytest.fixture(scope="module")
def demo(app):
    from webapp.demo import build_demo
    from webapp.demo_training import build_training_demo

    with app.test_request_context():
        build_demo()
        build_training_demo(app.extensions["workflow_engine"])
        db.session.commit()
    yield
    empty_database(app)


def _notes(username: str, kind: NotificationKind) -> list[Notification]:
    return list(db.session.scalars(select(Notification).join(User, User.id == Notification.user_id)
                                   .where(User.username == username, Notification.kind == kind)))


def test_eliminated_trainee_reads_the_reason(app, demo):
    """t039 scored 52 under the pass line of 60: one notice, with the reason, in both languages."""
    with app.test_request_context():
        [note] = _notes("t039", NotificationKind.training_notice)
        assert "淘汰" in note.params["message"] and "52" in note.params["message"], note.params
        assert note.params["message_en"].startswith("You were eliminated from the training for"), note.params
        assert "60" in note.params["message_en"] and "52" in note.params["message_en"]
        assert note.params["link"].startswith("/training/mine/")
        assert _notes("t036", NotificationKind.training_notice) == []  # passed: nothing to read here


def test_holder_gets_the_certificate_link_once(app, demo):
    from webapp.processes.conferral import notices

    with app.test_request_context():
        for username in ("t036", "t037", "t038"):
            [note] = _notes(username, NotificationKind.conferred)
            title = db.session.get(TitleHolding, int(note.params["link"].rsplit("/", 1)[1].split(".")[0]))
            assert title.holder.username == username and title.certificate_no in note.params["message_en"]
            assert note.params["link"] == f"/conferral/certificates/{title.id}.pdf"
        assert _notes("t039", NotificationKind.conferred) == []
        assert notices.conferred(title, None) == 0  # the same event again: not written twice
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == NotificationKind.conferred)) == 3


def test_supplement_is_told_once(app, demo):
    from webapp.processes.training import notices, supplements
    from webapp.processes.training.models import TrainingCohort

    with app.test_request_context():
        cohort = db.session.scalar(select(TrainingCohort).filter_by(category="academic_leader"))
        assert _notes("t034", NotificationKind.training_notice) == []
        [added] = supplements.add_supplements(cohort, "1")
        db.session.commit()
        assert added.teacher.username == "t034"
        [note] = _notes("t034", NotificationKind.training_notice)
        assert "候补" in note.params["message"] and "reserve list" in note.params["message_en"]
        assert notices.joined(cohort, added) == 0
        assert _notes("t035", NotificationKind.training_notice) == []


def test_switched_off_in_events_json(app, demo):
    """An administrator may switch the events off: nothing is written then."""
    from dataclasses import replace

    from webapp.processes.training import notices
    from webapp.processes.training.models import Trainee

    holder = app.extensions["event_policy"]
    with app.test_request_context():
        policy = holder.current()
        trainee = db.session.scalar(select(Trainee).join(User, User.id == Trainee.teacher_id)
                                    .where(User.username == "t028"))
        original = holder.current
        holder.current = lambda: replace(policy, disabled=frozenset({NotificationKind.training_notice}))
        try:
            assert notices.joined(trainee.cohort, trainee) == 0
        finally:
            holder.current = original
        assert notices.joined(trainee.cohort, trainee) == 1
        db.session.rollback()
