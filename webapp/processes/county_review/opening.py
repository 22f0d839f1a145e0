"""The review that opens itself at the schools' reporting deadline (`workflows/review_opening.bpmn`).

The office sets, per call, the date by which schools report their lists and the places the
review opens with. The diagram waits for the reminder moment — the reminder policy's
`remind_before_working_days` before the deadline — and reminds each school that has not reported
(one notification per school administrator, written once); then it waits for the deadline and
opens the review with the pool as it is, exactly once (a BPMN timer, fired by the scheduler's
`advance_timers` job). Opened by hand meanwhile: nothing more happens. No list at all: the office
is told, and may open the review by hand later.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ...calendar import local_zone
from ...calendar.window import WorkingDayWindow
from ...core.errors import Conflict, InvalidInput, NotFound
from ...engine.runtime import WorkflowEngine
from ...extensions import db
from ...forms import FieldError
from ...models import NotificationKind, Organisation, User, utcnow
from ...notifications.events import app_path, holders, notify_event
from ...roles import Role
from ...titles import call_title
from ...workflow.operations import start_instance
from .models import ReviewOpening
from .operations import OFFICE_ROLE, calls_of, open_review, parse_places, record, reviews_of
from .pools import SCHOOL_LIST_LEVELS, unreported_schools

PROCESS_ID = "review_opening"


def _deadline_error(message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError(path=("report_deadline",), label=_("Reporting deadline"), message=message)])


def report_deadline(value: str) -> datetime:
    """Midnight closing the given local date, which must be after today and within a year."""
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        raise _deadline_error(_("Enter the reporting deadline as a date (YYYY-MM-DD).")) from None
    today = utcnow().astimezone(local_zone()).date()
    if not today < day <= today + timedelta(days=366):
        raise _deadline_error(_("The reporting deadline must be after today and within a year."))
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=local_zone())


def reminder_moment(deadline: datetime) -> datetime:
    """When schools are reminded: the reminder policy's advance before the deadline, never in the past."""
    policy = current_app.extensions["reminder_policy"].current().for_step(PROCESS_ID, "report")
    before = policy.remind_before_working_days or 0
    now = utcnow()
    window = WorkingDayWindow(now.date(), deadline.date())
    return max(now, window.shift_deadline(deadline, -before)) if before else now


def openings_of(office: Organisation) -> dict[int, ReviewOpening]:
    """The office's scheduled openings per call (cycle id → opening)."""
    rows = db.session.scalars(select(ReviewOpening).filter_by(office_id=office.id)).all()
    return {row.cycle_id: row for row in rows}


def schedule_opening(engine: WorkflowEngine, user: User, office: Organisation, cycle_id: int, deadline: str,
                     mode: str, value: str) -> ReviewOpening:
    """Set the reporting deadline and the places; the review will open itself then."""
    cycle = next((c for c in calls_of(office) if c.id == cycle_id), None)
    if cycle is None:
        raise NotFound(_("No such call for applications."))
    if cycle.level not in SCHOOL_LIST_LEVELS:
        raise Conflict(_("Only a review whose pool comes from the schools' lists opens itself at a reporting deadline."))
    if cycle.id in reviews_of(office):
        raise Conflict(_("This call's review is already open."))
    if cycle.id in openings_of(office):
        raise Conflict(_("This call's review is already set to open itself."))
    closing = report_deadline(deadline)
    places_mode, places_value, _places = parse_places(office, mode, value)
    remind = reminder_moment(closing)
    opening = ReviewOpening(office_id=office.id, cycle_id=cycle.id, report_deadline_dt=closing, remind_dt=remind,
                            places_mode=places_mode, places_value=places_value, set_by_id=user.id)
    db.session.add(opening)
    db.session.flush()
    instance = start_instance(
        engine, PROCESS_ID, org=office, actor=user,
        title=f"{office.name} · {call_title(cycle, english=False)} · 报送截止后开启评审",
        title_en=f"{office.name} · {call_title(cycle, english=True)} · opening the review at the reporting deadline",
        data={"opening_id": opening.id, "remind_at": remind.isoformat(), "report_deadline": closing.isoformat()},
    )
    opening.instance_id = instance.id
    db.session.flush()
    return opening


def remind_unreported(opening: ReviewOpening) -> int:
    """Each school without a reported list is reminded once (its administrators); returns how many were new."""
    cycle, office = opening.cycle, opening.office
    about = {"title": call_title(cycle, english=False), "title_en": call_title(cycle, english=True),
             "deadline": opening.report_deadline_dt.isoformat(), "office": office.name}
    count = 0
    schools = unreported_schools(cycle, office) if cycle.id not in reviews_of(office) else []
    for school, _round in schools:
        count += notify_event(NotificationKind.report_due, holders(Role.school_admin, school.id),
                              key=f"review_opening:{opening.id}:school:{school.id}",
                              params={**about, "school": school.name}, link=app_path("school_vote.index"))
    opening.reminded_dt = utcnow()
    opening.reminded_count = len(schools)
    return count


def open_at_deadline(engine: WorkflowEngine, opening: ReviewOpening) -> str:
    """The deadline has passed: open the review with the pool as it is, unless it is open or empty."""
    office, cycle = opening.office, opening.cycle
    opening.opened_dt = utcnow()
    if cycle.id in reviews_of(office):
        opening.outcome = "already"
        return opening.outcome
    actor = opening.set_by
    try:
        review = open_review(engine, actor, office, cycle.id, opening.places_mode, _number(opening.places_value))
    except Conflict:
        # Nobody reported a list: the office is told and may open the review by hand later.
        opening.outcome = "empty"
        officers = holders(OFFICE_ROLE[office.kind], office.id)
        notify_event(NotificationKind.report_due, officers, key=f"review_opening:{opening.id}:empty",
                     params={"title": call_title(cycle, english=False), "title_en": call_title(cycle, english=True),
                             "office": office.name, "empty": True},
                     link=app_path("county_review.index"))
        return opening.outcome
    record(review, None, "opened_itself")
    opening.review_id = review.id
    opening.outcome = "opened"
    return opening.outcome


def _number(value: float) -> str:
    """The stored places as the office typed them (a whole number without a decimal point)."""
    return str(int(value)) if float(value).is_integer() else str(value)
