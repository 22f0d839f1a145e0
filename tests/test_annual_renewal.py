"""Renewal of a title through self-application (续期申请) over HTTP.

A holder applies in the open call of their title's level and category, as a renewal; the
eligibility rule also asks that every annual review of the term passed. A renewal refused by the
rule tells the teacher which rule failed, in their language; one accepted by the school goes to
the county office, whose approval renews the title through the register (a 'renewed' event).

One county is set up once for the module: the demo, two holders (t001 with every review passed,
t004 with a review failed and its appeal window open) and a holder of the second county.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from webapp import register
from webapp.extensions import db
from webapp.models import HumanTask, Notification, Organisation, TaskState, TitleEvent, TitleEventKind, TitleHolding, User
from webapp.processes.annual_review.models import AnnualReview, AnnualReviewRound, AnnualReviewStatus
from webapp.processes.self_application.models import Application, ApplicationStatus

from .conftest import empty_database, logged_in_sessions
from .helpers import cycle_id_for, declaration, submit, task_id_in_inbox

REVIEWS = {"t001": ("passed", "passed"), "t004": ("passed", "appeal_window")}


@pytest.fixture(autouse=True)
def clean_database():
    """The module shares one county (see `world`), emptied once at the end."""
    yield


@pytest.fixture(scope="module")
def world(app):
    """The demo and a second county; county backbone titles of 2022 for t001, t004 and q001 with
    their annual reviews of 2022 and 2023 (t004's second one failed, its appeal window open)."""
    from webapp.demo import add_second_county, build_demo

    with app.app_context():
        build_demo()
        add_second_county()
        users = {u.username: u for u in db.session.scalars(select(User))}
        rounds: dict[tuple[int, int], AnnualReviewRound] = {}
        for username in ("t001", "t004", "q001"):
            school = db.session.get(Organisation, users[username].profile.school_id)
            title = register.confer(user_id=users[username].id, level="county", category="backbone",
                                    conferred_on=date(2022, 9, 1), term_years=5, subject="mathematics",
                                    org_id=school.id, county_id=school.parent_id, allowance_monthly=300, source="demo")
            db.session.flush()
            for year, status in zip((2022, 2023), REVIEWS.get(username, ("passed", "passed"))):
                if (school.parent_id, year) not in rounds:
                    rounds[(school.parent_id, year)] = AnnualReviewRound(county_id=school.parent_id, school_year=year)
                    db.session.add(rounds[(school.parent_id, year)])
                    db.session.flush()
                db.session.add(AnnualReview(round_id=rounds[(school.parent_id, year)].id, title_id=title.id,
                                            user_id=users[username].id, county_id=school.parent_id,
                                            school_id=school.id, school_year=year, status=AnnualReviewStatus(status),
                                            decision="pass" if status == "passed" else "fail"))
        db.session.commit()
    yield
    empty_database(app)


@pytest.fixture(scope="module")
def sessions(app, world):
    """One logged-in browser session per user, made on first use."""
    return logged_in_sessions(app)


def _title(app, username: str) -> TitleHolding:
    with app.app_context():
        title = db.session.scalar(select(TitleHolding).join(User, User.id == TitleHolding.user_id)
                                  .where(User.username == username))
        db.session.expunge(title)
        return title


def _application(app, username: str) -> Application:
    with app.app_context():
        application = db.session.scalar(select(Application).join(User, User.id == Application.teacher_id)
                                        .where(User.username == username).order_by(Application.id.desc()))
        db.session.expunge(application)
        return application


def _apply_for_renewal(app, session, username: str) -> int:
    """Start the renewal from the teacher's page (its form's fields); return the declaration step."""
    page = session.get("/applications/").get_data(as_text=True)
    title = _title(app, username)
    assert f'name="renewal_of" value="{title.id}"' in page
    response = session.post("/applications/", data={"cycle_id": cycle_id_for(app, "backbone", username),
                                                    "renewal_of": title.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))


def test_only_ones_own_title_of_the_call_is_renewed(app, sessions):
    t004 = sessions("t004")
    backbone = cycle_id_for(app, "backbone", "t004")
    for renewal_of in (_title(app, "t001").id, _title(app, "q001").id, "abc", 999999):
        assert t004.post("/applications/", data={"cycle_id": backbone, "renewal_of": renewal_of}).status_code == 404
    # Not in a call of another category.
    leader = cycle_id_for(app, "academic_leader", "t004")
    assert t004.post("/applications/", data={"cycle_id": leader,
                                              "renewal_of": _title(app, "t004").id}).status_code == 404
    with app.app_context():
        assert db.session.query(Application).count() == 0


def test_renewal_refused_after_a_failed_review_in_the_term(app, sessions):
    teacher = sessions("t004")
    task_id = _apply_for_renewal(app, teacher, "t004")
    assert submit(teacher, task_id, declaration()).status_code == 302
    application = _application(app, "t004")
    assert application.status is ApplicationStatus.ineligible
    assert application.renewal_of_id == _title(app, "t004").id
    # Told which rule failed, in each language; nothing reached the school; the title is unchanged.
    task_id = task_id_in_inbox(teacher, "填写申报表")
    assert "续期须任期内每次年度考核均合格，您有年度考核不合格" in teacher.get(f"/tasks/{task_id}").get_data(as_text=True)
    english = teacher.get(f"/tasks/{task_id}?lang=en").get_data(as_text=True)
    assert "Renewal needs every annual review of the term passed; one of yours was not passed." in english
    assert sessions("s1admin").task_ids() == []
    assert _title(app, "t004").valid_until == date(2027, 9, 1)
    with app.app_context():
        assert db.session.query(TitleEvent).filter_by(kind=TitleEventKind.renewed).count() == 0


def test_renewal_granted_by_the_county_office(app, sessions):
    teacher, school, office = sessions("t001"), sessions("s1admin"), sessions("county")
    before = _title(app, "t001")
    task_id = _apply_for_renewal(app, teacher, "t001")
    response = submit(teacher, task_id, declaration())
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _application(app, "t001").status is ApplicationStatus.submitted
    # The school's decision step speaks of the renewal, in each language, not of the school vote.
    review = task_id_in_inbox(school, "学校审核续期申请")
    page = school.get(f"/tasks/{review}").get_data(as_text=True)
    assert "同意受理，报县教育局审批续期" in page and "进入学校民主评议" not in page
    english = school.get(f"/tasks/{review}?lang=en").get_data(as_text=True)
    assert "School review of the renewal application" in english
    assert "Accept and send to the county office for the renewal" in english and "school vote" not in english
    response = submit(school, review, {"review_decision": "accept"})
    assert response.status_code == 302, response.get_data(as_text=True)
    # Not a candidate for the school vote: it waits for the county office.
    assert _application(app, "t001").status is ApplicationStatus.submitted
    approval = task_id_in_inbox(office, "县教育局审批续期")
    page = office.get(f"/tasks/{approval}").get_data(as_text=True)
    assert "申请称号续期" in page and "同意续期一个任期" in page
    english = office.get(f"/tasks/{approval}?lang=en").get_data(as_text=True)
    assert "applies to renew their title" in english and "Renew for a new term" in english
    # Another county's office does not reach the step.
    assert sessions("sqcounty").get(f"/tasks/{approval}").status_code == 404
    # A refusal without a reason is refused, and changes nothing.
    response = submit(office, approval, {"renewal_decision": "refuse", "_action": "submit"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(HumanTask, approval).state is TaskState.open
    response = submit(office, approval, {"renewal_decision": "approve", "_action": "submit"})
    assert response.status_code == 302, response.get_data(as_text=True)

    after = _title(app, "t001")
    assert after.valid_until == date(2032, 9, 1) and before.valid_until == date(2027, 9, 1)
    assert _application(app, "t001").status is ApplicationStatus.renewed
    with app.app_context():
        events = db.session.scalars(select(TitleEvent).filter_by(title_id=after.id, kind=TitleEventKind.renewed)).all()
        assert len(events) == 1 and events[0].details["until"] == "2032-09-01"
        told = db.session.scalars(select(Notification).where(Notification.user_id == after.user_id)).all()
        assert any("2032-09-01" in str(n.params.get("message")) for n in told)
    page = teacher.get("/applications/?lang=en").get_data(as_text=True)
    assert "Title renewed" in page and "(renewal)" in page
    # The history shows the school's answer in the renewal's words.
    history = office.get(f"/instances/{_application(app, 't001').instance_id}").get_data(as_text=True)
    assert "同意受理，报县教育局审批续期" in history and "进入学校民主评议" not in history


def test_an_ordinary_application_keeps_the_school_vote_wording(app, sessions):
    teacher, school = sessions("t007"), sessions("s1admin")
    page = teacher.get("/applications/").get_data(as_text=True)
    assert 'name="renewal_of"' not in page  # t007 holds no title: an application for a new title
    response = teacher.post("/applications/", data={"cycle_id": cycle_id_for(app, "backbone", "t007")})
    assert response.status_code == 302, response.get_data(as_text=True)
    task_id = int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))
    assert submit(teacher, task_id, declaration()).status_code == 302
    review = task_id_in_inbox(school, "学校审核申报")
    assert "同意受理，进入学校民主评议" in school.get(f"/tasks/{review}").get_data(as_text=True)
    assert "Accept for the school vote" in school.get(f"/tasks/{review}?lang=en").get_data(as_text=True)
    assert submit(school, review, {"review_decision": "accept"}).status_code == 302
    assert _application(app, "t007").status is ApplicationStatus.accepted
