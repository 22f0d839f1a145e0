"""The notification centre: unread count in the navigation bar, the list, marking read; the admin page."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Notification, SchedulerFailure, utcnow
from webapp.notifications.reminders import scan_reminders
from webapp.roles import Role

from .scheduling import configured, open_step, synthetic_instance


def _remind_s1admin(app, count: int = 2) -> list[int]:
    """`count` overdue steps for school 1's administrator, reminded now; their notification ids."""
    now = utcnow()
    with app.app_context():
        instance = synthetic_instance()
        for number in range(count):
            open_step(instance, role=Role.school_admin, org_code="530101-01", due=now - timedelta(hours=number + 1),
                      name=f"step{number}")
        db.session.commit()
        scan_reminders(now)
        return list(db.session.scalars(select(Notification.id).order_by(Notification.id)))


def _unread_badge(html: str) -> int:
    return int(re.search(r'id="count-unread">(\d+)<', html).group(1))


def test_unread_count_list_and_mark_read(app, login):
    ids = _remind_s1admin(app)
    admin = login("s1admin")
    html = admin.get("/notifications/").get_data(as_text=True)
    assert _unread_badge(html) == 2
    assert "学校审核申报" in html and "已到截止时间" in html and "请尽快办理" in html
    assert all(f'data-notification-id="{i}"' in html for i in ids)
    assert re.search(r'href="/tasks/\d+"', html)

    assert admin.post(f"/notifications/{ids[0]}/read").status_code == 302
    assert _unread_badge(admin.get("/inbox").get_data(as_text=True)) == 1
    assert admin.post("/notifications/read-all").status_code == 302
    assert _unread_badge(admin.get("/inbox").get_data(as_text=True)) == 0


def test_english_reader_sees_english(app, login):
    _remind_s1admin(app, 1)
    admin = login("s1admin")
    admin.post("/language", data={"lang": "en"})
    html = admin.get("/notifications/").get_data(as_text=True)
    assert "School review" in html and "is due now" in html


def test_someone_elses_notification_does_not_exist(app, login):
    ids = _remind_s1admin(app, 1)
    other = login("s2admin")
    assert other.post(f"/notifications/{ids[0]}/read").status_code == 404
    assert other.post("/notifications/999999/read").status_code == 404
    assert f'data-notification-id="{ids[0]}"' not in other.get("/notifications/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Notification, ids[0]).read_dt is None


def test_mark_read_needs_the_csrf_token(app, login):
    ids = _remind_s1admin(app, 1)
    admin = login("s1admin")
    page = admin.get("/notifications/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    with configured(app, WTF_CSRF_ENABLED=True):
        assert admin.post(f"/notifications/{ids[0]}/read").status_code == 400
        with app.app_context():
            assert db.session.get(Notification, ids[0]).read_dt is None
        assert admin.post(f"/notifications/{ids[0]}/read", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Notification, ids[0]).read_dt is not None


def test_scheduler_page_is_for_system_administrators_only(app, login):
    assert login("county").get("/admin/scheduler").status_code == 404
    assert login("s1admin").get("/admin/scheduler").status_code == 404


def test_scheduler_page_shows_jobs_failures_queue_and_missing_smtp(app, login):
    from webapp.scheduler.jobs import JOBS
    from webapp.scheduler.runner import JobRunner

    _remind_s1admin(app, 2)
    with app.app_context():
        db.session.add(SchedulerFailure(job="advance_timers", context="instance 42", error="Traceback: boom"))
        db.session.commit()
    with configured(app, SMTP_HOST=""):
        JobRunner(app, "test-runner").run(JOBS[0])
        html = login("admin").get("/admin/scheduler").get_data(as_text=True)
    assert 'id="smtp-missing"' in html
    for spec in JOBS:
        assert f'data-job="{spec.name}"' in html
    assert "test-runner" in html and "instance 42" in html and "Traceback: boom" in html
    assert re.search(r'id="emails-pending">2<', html)


def test_scheduler_page_with_smtp_configured(app, login):
    with configured(app, SMTP_HOST="smtp.example.cn"):
        html = login("admin").get("/admin/scheduler").get_data(as_text=True)
    assert 'id="smtp-missing"' not in html and 'id="scheduler-idle"' in html
