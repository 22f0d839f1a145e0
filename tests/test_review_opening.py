"""The county review opens itself at the schools' reporting deadline (workflows/review_opening.bpmn).

The office sets the deadline and the places; before the deadline each school that has not
reported is reminded once; when it passes, the review opens exactly once with the reported lists.
A call nobody reported for does not open: the office is told. One county for the module (the
demo with three schools' reported lists of the backbone-teacher call).
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Notification, NotificationKind, Organisation, OrgKind, RoleAssignment, User
from webapp.processes.county_review.models import ReviewEvent, ReviewOpening, ReviewRound, ReviewStatus
from webapp.roles import Role

from .conftest import Session, empty_database
from .helpers import reach_timers

REPORTED = {"汉阴县第一中学", "汉阴县城关小学", "汉阴县涧池镇中心学校"}


@pytest.fixture(autouse=True)
def clean_database():
    """One county for the module (see `county`), emptied once at the end."""
    yield


@pytest.fixture(scope="module")
def county(app):
    from webapp.demo import add_second_county, build_demo
    from webapp.demo_review import seed_reported_lists

    with app.test_request_context():
        build_demo()
        add_second_county()
        db.session.commit()
        seed_reported_lists(app.extensions["workflow_engine"], app.extensions["form_library"])
        _add_school_without_list()
        db.session.commit()
    yield
    empty_database(app)


def _add_school_without_list() -> None:
    """A fourth school of the county, with an administrator and no list (the one to remind)."""
    from webapp.demo import _user
    from webapp.models.org import assign_path

    county = db.session.scalar(select(Organisation).filter_by(name="汉阴县"))
    school = Organisation(kind=OrgKind.school, name="汉阴县蒲溪镇小学", code="530101-99", parent=county, teacher_headcount=20)
    db.session.add(school)
    db.session.flush()
    assign_path(school)
    password = db.session.scalar(select(User.password_hash).filter_by(username="county"))
    _user("s9admin", "蒲溪校长", Role.school_admin, school, password)
    _user("s9deputy", "蒲溪副校长", Role.school_admin, school, password)


@pytest.fixture(scope="module")
def office(app, county):
    return Session(app, "county")


def _call_ids(office) -> tuple[int, dict[str, int]]:
    page = office.get("/review/").get_data(as_text=True)
    office_id = int(re.search(r'data-office-id="(\d+)"', page).group(1))
    calls = {m.group(2): int(m.group(1)) for m in re.finditer(r'data-cycle-id="(\d+)">\s*<h3>\d+ · ([^<]+)</h3>', page)}
    return office_id, calls


def _schedule(office, office_id, cycle_id, deadline, places="4"):
    return office.post(f"/review/offices/{office_id}/cycles/{cycle_id}/opening",
                       data={"report_deadline": deadline, "places_mode": "absolute", "places_value": places})


def _opening(app, cycle_id) -> ReviewOpening:
    with app.app_context():
        row = db.session.scalar(select(ReviewOpening).filter_by(cycle_id=cycle_id))
        db.session.expunge(row)
        return row


def _reminded(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(User.username).join(Notification, Notification.user_id == User.id)
                                      .where(Notification.kind == NotificationKind.report_due)))


def test_bad_settings_are_refused_and_nothing_is_stored(app, office):
    office_id, calls = _call_ids(office)
    cycle_id = calls["县级骨干教师"]
    past = _schedule(office, office_id, cycle_id, date.today().isoformat())
    assert past.status_code == 422 and "报送截止日期须晚于今天" in past.get_data(as_text=True)
    assert _schedule(office, office_id, cycle_id, "明天").status_code == 422
    assert _schedule(office, office_id, cycle_id, (date.today() + timedelta(days=9)).isoformat(), "0").status_code == 422
    assert Session(app, "sqcounty").post(f"/review/offices/{office_id}/cycles/{cycle_id}/opening",
                                         data={"report_deadline": "2099-01-01"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(ReviewOpening.id))) == 0


def test_unreported_schools_are_reminded_once_then_the_review_opens_itself_once(app, office):
    office_id, calls = _call_ids(office)
    cycle_id = calls["县级骨干教师"]
    deadline = (date.today() + timedelta(days=10)).isoformat()
    assert _schedule(office, office_id, cycle_id, deadline).status_code == 302
    assert _schedule(office, office_id, cycle_id, deadline).status_code == 409
    page = office.get("/review/").get_data(as_text=True)
    assert f'id="opening-{cycle_id}"' in page and "报送截止" in page
    opening = _opening(app, cycle_id)
    assert opening.remind_dt < opening.report_deadline_dt and opening.outcome is None

    # The reminder moment: every school administrator of a school without a reported list, once.
    assert reach_timers(app, opening.instance_id) == 1
    with app.app_context():
        county_path = db.session.scalar(select(Organisation.path).filter_by(name="汉阴县"))
        expected = set(db.session.scalars(
            select(User.username).join(RoleAssignment, RoleAssignment.user_id == User.id)
            .join(Organisation, Organisation.id == RoleAssignment.org_id)
            .where(RoleAssignment.role == Role.school_admin, Organisation.kind == OrgKind.school,
                   Organisation.path.startswith(county_path), Organisation.name.not_in(REPORTED))))
    assert expected == {"s9admin", "s9deputy"} and _reminded(app) == expected
    assert not {"s1admin", "s2admin", "s3admin"} & _reminded(app)
    with app.test_request_context():
        from webapp.processes.county_review.opening import remind_unreported

        assert remind_unreported(db.session.get(ReviewOpening, opening.id)) == 0  # sent once
        db.session.rollback()
    assert _opening(app, cycle_id).reminded_count == 1  # one school
    note = Session(app, sorted(expected)[0]).get("/notifications/").get_data(as_text=True)
    assert "尚未报送" in note
    with app.app_context():
        assert db.session.scalar(select(ReviewRound)) is None

    # The deadline: the review opens with the reported lists and the places set, exactly once.
    assert reach_timers(app, opening.instance_id) == 1
    assert reach_timers(app, opening.instance_id) == 0
    with app.app_context():
        reviews = db.session.scalars(select(ReviewRound)).all()
        assert len(reviews) == 1
        review = reviews[0]
        assert review.status is ReviewStatus.materials and review.places == 4 and len(review.candidates) == 9
        assert db.session.scalar(select(ReviewEvent.kind).filter_by(review_id=review.id)) == "opened_itself"
    assert _opening(app, cycle_id).outcome == "opened"
    assert "资格复审" in office.get("/inbox").get_data(as_text=True)


def test_a_call_nobody_reported_does_not_open_and_the_office_is_told(app, office):
    office_id, calls = _call_ids(office)
    cycle_id = calls["县级学科带头人"]
    assert _schedule(office, office_id, cycle_id, (date.today() + timedelta(days=3)).isoformat()).status_code == 302
    opening = _opening(app, cycle_id)
    assert reach_timers(app, opening.instance_id) == 1
    assert reach_timers(app, opening.instance_id) == 1
    assert _opening(app, cycle_id).outcome == "empty"
    with app.app_context():
        assert db.session.scalar(select(func.count(ReviewRound.id)).filter_by(cycle_id=cycle_id)) == 0
    assert "没有学校报送" in office.get("/notifications/").get_data(as_text=True)
    assert "请在学校报送名单后手动开启评审" in office.get("/review/").get_data(as_text=True)
