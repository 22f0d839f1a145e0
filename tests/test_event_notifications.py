"""Event notifications: returned and refused applications, new steps in one digest, the vote's events;
once each, in the reader's language, by e-mail unless the reader chose the app only, switched by a file."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import EmailState, HumanTask, Notification, NotificationKind, TaskState, User
from webapp.notifications.announcements import announce_new_tasks
from webapp.notifications.delivery import deliver_notifications
from webapp.notifications.event_policy import parse_events
from webapp.notifications.policy import PolicySource

from .helpers import cycle_id_for, declaration, start_application, submit, task_id_in_inbox
from .scheduling import BASE_URL, configured
from .support.smtp import SmtpSink

CJK = "\u4e00-\u9fff"


@pytest.fixture
def smtp(app):
    """A loopback SMTP server the app sends to."""
    sink = SmtpSink().start()
    with configured(app, BASE_URL=BASE_URL, **sink.config()):
        yield sink
    sink.stop()


def _notes(app, username: str, kind: NotificationKind | None = None) -> list[Notification]:
    with app.app_context():
        query = select(Notification).join(User, User.id == Notification.user_id).where(User.username == username)
        if kind is not None:
            query = query.where(Notification.kind == kind)
        notes = db.session.scalars(query.order_by(Notification.id)).all()
        db.session.expunge_all()
        return notes


def _return_application(app, login, username="t001", comment="请补充近五年公开课的证明材料。", step="修改并重新提交申报") -> int:
    """The teacher applies, the school returns it with a comment; returns the correction step's id."""
    teacher = login(username)
    assert submit(teacher, start_application(teacher, cycle_id_for(app, "academic_leader")), declaration()).status_code == 302
    admin = login("s1admin")
    response = submit(admin, task_id_in_inbox(admin, "学校审核申报"), {"review_decision": "return", "review_comment": comment})
    assert response.status_code == 302
    return task_id_in_inbox(teacher, step)


def test_a_return_is_mailed_once_in_the_readers_language_with_the_comment_and_a_link(app, login, smtp):
    correct_id = _return_application(app, login)
    with app.app_context():
        assert deliver_notifications() == 1
        assert deliver_notifications() == 0  # once
    [message] = [m for m in smtp.messages if m["To"].addresses[0].username == "t001"]
    assert message["Subject"].startswith("【退回修改】") and "县级学科带头人" in message["Subject"]
    body = message.get_content()
    assert "已被退回修改：请补充近五年公开课的证明材料。" in body
    assert f"{BASE_URL}/tasks/{correct_id}" in body  # the link leads to the correction step
    assert message["Content-Language"] == "zh-CN"
    # In the app: the same sentence, linked to the step, in the notification centre.
    page = login("t001").get("/notifications/").get_data(as_text=True)
    assert "请补充近五年公开课的证明材料。" in page and f'href="/tasks/{correct_id}"' in page
    assert 'id="count-unread">1<' in page


def test_an_english_reader_gets_english(app, login, smtp):
    with app.app_context():
        db.session.scalar(select(User).filter_by(username="t001")).locale = "en"
        db.session.commit()
    _return_application(app, login, comment="Please add the open-class certificates.",
                        step="Correct and resubmit the application")
    with app.app_context():
        deliver_notifications()
    [message] = smtp.messages
    assert message["Subject"] == f"[Returned] {date.today().year} County-level academic leader"
    body = message.get_content()
    assert "was returned for correction: Please add the open-class certificates." in body
    leftover = body
    for name in {u.display_name for u in _users(app)}:
        leftover = leftover.replace(name, "")
    assert not re.search(f"[{CJK}]", leftover), leftover  # no Chinese besides names


def _users(app):
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        db.session.expunge_all()
        return users


def test_in_app_only_means_no_email(app, login, smtp):
    response = login("t001").post("/notifications/preferences", data={"delivery": "app"})
    assert response.status_code == 302
    _return_application(app, login)
    with app.app_context():
        assert deliver_notifications() == 0
    assert smtp.messages == []
    [note] = _notes(app, "t001", NotificationKind.returned)
    assert note.email_state is EmailState.skipped and "in the app only" in note.email_error
    assert "请补充" in login("t001").get("/notifications/").get_data(as_text=True)  # still in the app
    page = login("t001").get("/notifications/").get_data(as_text=True)
    assert 'id="delivery-app" checked' in page
    assert login("t001").post("/notifications/preferences", data={"delivery": "fax"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.notify_by_email).filter_by(username="t001")) is False


def test_ineligible_is_notified_with_the_reasons(app, login):
    teacher = login("t002")  # 50 years old: too old for academic leader
    submit(teacher, start_application(teacher, cycle_id_for(app, "academic_leader")), declaration())
    [note] = _notes(app, "t002", NotificationKind.ineligible)
    assert note.params["reasons_zh"] and note.params["reasons_en"]
    page = teacher.get("/notifications/").get_data(as_text=True)
    assert "不符合申报条件" in page and note.params["reasons_zh"][0] in page


def test_new_steps_come_in_one_digest_per_person_per_scan(app, login):
    cycle = cycle_id_for(app, "backbone")
    for username in ("t001", "t004", "t007"):
        teacher = login(username)
        assert submit(teacher, start_application(teacher, cycle), declaration()).status_code == 302
    with app.app_context():
        assert announce_new_tasks() == 1  # one person may act on the three reviews: one digest
        assert announce_new_tasks() == 0  # announced once
    [digest] = _notes(app, "s1admin", NotificationKind.new_tasks)
    assert digest.params["count"] == 3 and len(digest.params["steps"]) == 3
    assert _notes(app, "s2admin") == [] and _notes(app, "t001", NotificationKind.new_tasks) == []  # own steps: no
    page = login("s1admin").get("/notifications/").get_data(as_text=True)
    assert "有 3 个新的待办事项" in page and 'href="/inbox"' in page
    # The next scan announces only what is new; a single step links straight to it.
    teacher = login("t010")
    submit(teacher, start_application(teacher, cycle), declaration())
    with app.app_context():
        assert announce_new_tasks() == 1
        newest = db.session.scalar(select(HumanTask.id).filter_by(task_name="school_review", state=TaskState.open)
                                   .order_by(HumanTask.id.desc()).limit(1))
    [_first, second] = _notes(app, "s1admin", NotificationKind.new_tasks)
    assert second.params["count"] == 1
    assert second.params["link"] == f"/tasks/{newest}"


def test_an_event_switched_off_in_the_file_is_not_written(app, login, tmp_path):
    policy = tmp_path / "events.json"
    policy.write_text('{"events": {"returned": {"enabled": false}}}', encoding="utf-8")
    original = app.extensions["event_policy"]
    app.extensions["event_policy"] = PolicySource(policy, parse_events, original._default)
    try:
        _return_application(app, login)
    finally:
        app.extensions["event_policy"] = original
    assert _notes(app, "t001", NotificationKind.returned) == []


def test_event_policy_errors_name_file_and_line():
    text = '{\n  "events": {\n    "returned": {"enabled": "yes"},\n    "recomended": {"enabled": true},\n' \
           '    "new_tasks": {"except_steps": ["not a step"]}\n  }\n}'
    policy, errors = parse_events(text, "events.json")
    assert policy is None
    found = {(e.line, e.message.split(" ")[0]) for e in errors}
    assert (3, "enabled") in found and (4, "unknown") in found and (5, "step") in found
    assert all(str(e).startswith("events.json:") for e in errors)
    policy, errors = parse_events(Path("workflows/events.json").read_text(encoding="utf-8"), "events.json")
    assert errors == [] and policy.enabled(NotificationKind.returned)
    assert not policy.announces("school_vote", "cast_ballot") and policy.announces("self_application", "school_review")


def test_the_scheduler_page_shows_event_policy_errors(app, login, tmp_path):
    policy = tmp_path / "events.json"
    policy.write_text('{"events": {"returned": {"enabled": 1}}}', encoding="utf-8")
    original = app.extensions["event_policy"]
    app.extensions["event_policy"] = PolicySource(policy, parse_events, original._default)
    try:
        page = login("admin").get("/admin/scheduler").get_data(as_text=True)
    finally:
        app.extensions["event_policy"] = original
    assert 'id="event-policy-errors"' in page and "events.json:1" in page
