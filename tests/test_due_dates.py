"""Due dates of user tasks: whole days are working days; other durations and dates are taken as given."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from webapp.calendar import add_working_days, end_of_working_days
from webapp.config import PROJECT_ROOT
from webapp.engine.runtime import WorkflowEngine
from webapp.extensions import db
from webapp.models import CalendarDay, HumanTask, utcnow
from webapp.workflow.operations import start_instance

from .scheduling import next_reminder, org

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _start(app, **data) -> dict[str, HumanTask]:
    engine = WorkflowEngine(PROJECT_ROOT / "tests" / "fixtures" / "scheduler", app.extensions["workflow_engine"].registry)
    instance = start_instance(engine, "due_dates", org=org("530101-01"), actor=None, title="期限", data=data)
    db.session.commit()
    return {t.task_name: t for t in db.session.scalars(select(HumanTask).filter_by(instance_id=instance.id))}


def test_days_are_working_days_and_skip_holidays(app, demo):
    with app.app_context():
        today = utcnow().astimezone(SHANGHAI).date()
        holiday = add_working_days(today, 1)  # the next working day becomes a holiday
        db.session.add(CalendarDay(day=holiday, is_workday=False, name="测试假日"))
        db.session.commit()
        tasks = _start(app, step_deadline="2030-01-31T16:00:00+00:00")
        due = tasks["in_days"].due_dt
        assert due == end_of_working_days(tasks["in_days"].created_dt, 2)
        local = due.astimezone(SHANGHAI)
        assert local.time() == time(0, 0)  # the end of the second working day
        assert local.date() - timedelta(days=1) == add_working_days(holiday, 2)  # the holiday did not count


def test_hours_and_absolute_deadlines_are_kept(app, demo):
    with app.app_context():
        deadline = "2030-01-31T16:00:00+00:00"  # e.g. the step deadline a county office set for the cycle
        tasks = _start(app, step_deadline=deadline)
        created = tasks["in_hours"].created_dt
        assert tasks["in_hours"].due_dt == created + timedelta(hours=4)
        assert tasks["on_date"].due_dt == datetime.fromisoformat(deadline)
        # Every step with a due date has its first reminder moment scheduled.
        assert all(next_reminder(task.id) is not None and next_reminder(task.id) > created for task in tasks.values())


def test_school_review_is_due_in_five_working_days(app, login):
    from .helpers import cycle_id_for, declaration, start_application, submit, task_id_in_inbox

    teacher = login("t001")
    submit(teacher, start_application(teacher, cycle_id_for(app, "academic_leader")), declaration())
    admin = login("s1admin")
    review_id = task_id_in_inbox(admin, "学校审核申报")
    with app.app_context():
        task = db.session.get(HumanTask, review_id)
        assert task.due_dt == end_of_working_days(task.created_dt, 5)
        local = task.due_dt.astimezone(SHANGHAI)
        assert (local.hour, local.minute) == (0, 0)  # the midnight closing the fifth working day
        last_day = (local - timedelta(days=1)).date()
    # Due dates show in the inbox as the last day, not as the midnight after it.
    shown = f"{last_day.year}年{last_day.month}月{last_day.day}日 24时"
    page = admin.get("/inbox").get_data(as_text=True)
    assert shown in page and local.strftime("%Y-%m-%d 00:00") not in page
