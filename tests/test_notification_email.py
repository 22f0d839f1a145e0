"""Reminder e-mails through a real SMTP server on loopback: once each, in the reader's language, with a link."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp.processes.self_application.operations import start_application
from webapp.calendar.window import WorkingDayWindow
from webapp.extensions import db
from webapp.models import ApplicationCycle, EmailState, HumanTask, Notification, TaskState, utcnow
from webapp.notifications.delivery import deliver_notifications
from webapp.notifications.reminders import current_policy, scan_reminders
from webapp.notifications.schedule import reminder_slots
from webapp.roles import Role
from webapp.workflow.operations import complete_task

from .scheduling import BASE_URL, configured, next_reminder, open_step, synthetic_instance, user
from .support.smtp import SmtpSink, free_port, make_certificates


@pytest.fixture
def smtp(app):
    """A loopback SMTP server the app sends to."""
    sink = SmtpSink().start()
    with configured(app, BASE_URL=BASE_URL, NOTIFICATION_RETRY_SECONDS=60, **sink.config()):
        yield sink
    sink.stop()


def _school_review_task(app) -> HumanTask:
    """t001 applies and submits; the school's review step (due in 5 working days) opens."""
    engine = app.extensions["workflow_engine"]
    cycle = db.session.scalar(select(ApplicationCycle).filter_by(category="academic_leader"))
    application = start_application(engine, user("t001"), cycle.id)
    declaration = db.session.scalar(select(HumanTask).filter_by(instance_id=application.instance_id, state=TaskState.open))
    complete_task(engine, user("t001"), declaration, {"subject": "mathematics", "statement": "坚持课堂教学改革十余年。",
                                                     "commitment": True, "evidence": []})
    db.session.commit()
    return db.session.scalar(select(HumanTask).filter_by(task_name="school_review", state=TaskState.open))


def _round(now) -> None:
    """One scheduler pass at `now`: scan, then deliver (twice: the second must find nothing to do)."""
    scan_reminders(now)
    deliver_notifications(now)
    assert deliver_notifications(now) == 0


def test_reminders_and_escalation_arrive_once_in_the_readers_language(app, demo, smtp):
    with app.test_request_context():
        user("s1admin").locale = "en"  # the school administrator reads English; the county office Chinese
        db.session.commit()
        task = _school_review_task(app)
        assert task.due_dt is not None and next_reminder(task.id) is not None
        slots = reminder_slots(current_policy().for_step("self_application", "school_review"), task.due_dt,
                               WorkingDayWindow(task.due_dt.date(), task.due_dt.date()))
        for slot in slots[:5]:  # due soon, due, overdue 1, 2, 3 (+ escalation 1)
            _round(slot.at + timedelta(minutes=1))
        task_id, instance_id = task.id, task.instance_id

    messages = smtp.messages
    subjects = [(m["To"].addresses[0].username, m["Subject"]) for m in messages]
    assert [to for to, _subject in subjects] == ["s1admin", "s1admin", "s1admin", "s1admin", "s1admin", "county"]
    assert [s.split("]")[0] + "]" for _to, s in subjects[:5]] == ["[Reminder]"] * 2 + ["[Overdue]"] * 3
    assert "School review of the application" in subjects[0][1]
    escalation = messages[-1]
    assert escalation["Subject"].startswith("【逾期上报】学校审核申报")
    body = escalation.get_content()
    assert "您好" in body and "仍在等待" in body and f"{BASE_URL}/instances/{instance_id}" in body
    first = messages[0].get_content()
    assert "Dear" in first and "is due on" in first and f"{BASE_URL}/tasks/{task_id}" in first
    assert messages[0]["Content-Language"] == "en" and escalation["Content-Language"] == "zh-CN"
    assert len({m["Message-ID"] for m in messages}) == len(messages)
    with app.app_context():
        states = Counter(db.session.scalars(select(Notification.email_state)))
        assert states == {EmailState.sent: 6}


def test_smtp_down_then_up_delivers_each_exactly_once(app, demo):
    port = free_port()
    sink = SmtpSink(port)
    now = utcnow()
    with configured(app, BASE_URL=BASE_URL, NOTIFICATION_RETRY_SECONDS=60, **sink.config()):
        with app.app_context():
            instance = synthetic_instance()
            for days in range(1, 6):
                open_step(instance, role=Role.school_admin, org_code="530101-01", due=now - timedelta(days=days),
                          name=f"step{days}")
            db.session.commit()
            written = scan_reminders(now)
            assert written == 5
            assert deliver_notifications(now) == 0  # nobody listens on the port
            failed = db.session.scalars(select(Notification)).all()
            assert {(n.email_state, n.email_attempts) for n in failed} == {(EmailState.pending, 1)}
            assert all(n.email_next_dt == now + timedelta(seconds=60) and "Connection" in n.email_error for n in failed)
            # Still down a minute later: the second attempt waits twice as long.
            assert deliver_notifications(now + timedelta(seconds=61)) == 0
            assert {n.email_next_dt for n in db.session.scalars(select(Notification))} == {now + timedelta(seconds=181)}

            sink.start()
            try:
                assert deliver_notifications(now + timedelta(seconds=120)) == 0  # not yet time to retry
                assert deliver_notifications(now + timedelta(seconds=181)) == 5
                assert deliver_notifications(now + timedelta(days=1)) == 0
                scan_reminders(now + timedelta(seconds=200))
                assert deliver_notifications(now + timedelta(days=1)) == 0
            finally:
                sink.stop()
            assert db.session.scalar(select(func.count()).select_from(Notification).where(
                Notification.email_state == EmailState.sent)) == 5
    assert len(sink.messages) == 5
    assert len({m["Message-ID"] for m in sink.messages}) == 5


def test_gives_up_after_the_last_attempt(app, demo):
    sink = SmtpSink()  # never started
    now = utcnow()
    with configured(app, NOTIFICATION_RETRY_SECONDS=1, NOTIFICATION_MAX_ATTEMPTS=3, **sink.config()):
        with app.app_context():
            open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01", due=now - timedelta(hours=1))
            db.session.commit()
            scan_reminders(now)
            for seconds in (0, 1, 3, 7, 15):
                deliver_notifications(now + timedelta(seconds=seconds))
            note = db.session.scalar(select(Notification))
            assert (note.email_state, note.email_attempts) == (EmailState.failed, 3)


def test_without_smtp_notifications_stay_in_the_app(app, demo):
    now = utcnow()
    with configured(app, SMTP_HOST=""):
        with app.app_context():
            open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01", due=now - timedelta(hours=1))
            db.session.commit()
            scan_reminders(now)
            assert deliver_notifications(now) == 0
            note = db.session.scalar(select(Notification))
            assert note.email_state is EmailState.skipped and "not configured" in note.email_error
            assert note.read_dt is None  # the in-app copy is there, unread


def test_no_email_once_the_step_is_done(app, demo, smtp):
    now = utcnow()
    with app.app_context():
        task = open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01", due=now - timedelta(hours=1))
        db.session.commit()
        scan_reminders(now)
        task.state = TaskState.completed
        db.session.commit()
        assert deliver_notifications(now) == 0
        assert db.session.scalar(select(Notification.email_state)) is EmailState.skipped
    assert smtp.messages == []


def _tls_sink(tmp_path, mode: str) -> SmtpSink:
    """A loopback server with a certificate from a private CA; with STARTTLS it also requires a login.

    (aiosmtpd offers AUTH only after STARTTLS, so the implicit-TLS server takes mail without one.)
    """
    import ssl

    from aiosmtpd.smtp import AuthResult

    try:
        ca, cert, key = make_certificates(tmp_path)
    except FileNotFoundError:
        pytest.skip("openssl is not installed")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"jyj", b"s3cret"))

    if mode == "starttls":
        options = {"tls_context": context, "require_starttls": True, "authenticator": authenticate,
                   "auth_required": True, "auth_require_tls": True}
    else:
        options = {"ssl_context": context}
    sink = SmtpSink(server_hostname="localhost", **options).start()
    sink.ca_file = ca
    return sink


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_tls_with_a_private_ca(app, demo, tmp_path, mode):
    sink = _tls_sink(tmp_path, mode)
    now = utcnow()
    login = {"SMTP_USERNAME": "jyj", "SMTP_PASSWORD": "s3cret"} if mode == "starttls" else {}
    settings = {**sink.config(), "SMTP_HOST": "localhost", "SMTP_SECURITY": mode, "SMTP_CA_FILE": sink.ca_file, **login}
    try:
        with configured(app, **settings), app.app_context():
            open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01", due=now - timedelta(hours=1))
            db.session.commit()
            scan_reminders(now)
            assert deliver_notifications(now) == 1
        # Without the CA the server's certificate is not trusted: nothing is sent in the clear instead.
        with configured(app, **{**settings, "SMTP_CA_FILE": None}), app.app_context():
            open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-02", due=now - timedelta(hours=1))
            db.session.commit()
            scan_reminders(now)
            assert deliver_notifications(now) == 0
            failed = db.session.scalar(select(Notification).where(Notification.email_state == EmailState.pending))
            assert "CERTIFICATE_VERIFY_FAILED" in failed.email_error
    finally:
        sink.stop()
    assert len(sink.messages) == 1


def test_a_refused_login_is_retried_later(app, demo, tmp_path):
    sink = _tls_sink(tmp_path, "starttls")
    now = utcnow()
    settings = {**sink.config(), "SMTP_HOST": "localhost", "SMTP_SECURITY": "starttls", "SMTP_CA_FILE": sink.ca_file,
                "SMTP_USERNAME": "jyj", "SMTP_PASSWORD": "wrong", "SMTP_TIMEOUT": 2}
    try:
        with configured(app, **settings), app.app_context():
            open_step(synthetic_instance(), role=Role.school_admin, org_code="530101-01", due=now - timedelta(hours=1))
            db.session.commit()
            scan_reminders(now)
            assert deliver_notifications(now) == 0
            note = db.session.scalar(select(Notification))
            assert note.email_state is EmailState.pending and note.email_attempts == 1 and note.email_error
    finally:
        sink.stop()
    assert sink.messages == []
