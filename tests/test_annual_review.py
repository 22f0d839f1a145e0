"""The annual review of title holders over HTTP: the duty log, opening a county's review, the
summary, the school's confirmation, the opinion, the proposal and the decision, the appeal both
ways, the window ending, a decision on a title already revoked, transfers, renewal, the career
record and who may see what.

One county is set up once for the module (the demo, a second county, titles conferred through the
register) and the tests walk it in order. The module runs as if today were 30 June 2027, near
the end of the 2026–2027 school year, so both semesters can be logged.
"""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from webapp import register
from webapp.extensions import db
from webapp.models import (
    HumanTask, Notification, NotificationKind, Organisation, TaskState, TeacherProfile, TitleEvent, TitleHolding, User,
)
from webapp.processes.annual_review.models import AnnualReview, AnnualReviewRound, AnnualReviewStatus, DutyRecord

from .conftest import empty_database, logged_in_sessions
from .helpers import PDF, reach_timers

TODAY = date(2027, 6, 30)
HOLDERS = {  # username → subject of the title (mathematics has research staff: an opinion step)
    "t001": "mathematics", "t002": "music", "t003": "music", "t004": "music", "t005": "music", "t006": "music",
}


@pytest.fixture(autouse=True)
def clean_database():
    """The module shares one county (see `world`), emptied once at the end."""
    yield


@pytest.fixture(scope="module")
def world(app):
    """The demo, a second county, titles for the holders above, one revoked before the review and
    one in the second county; the pages' clock stands at TODAY."""
    from webapp.demo import add_second_county, build_demo
    from webapp.processes.annual_review import pages

    patch = pytest.MonkeyPatch()
    patch.setattr(pages, "today", lambda: TODAY)
    with app.test_request_context():
        build_demo()
        add_second_county()
        users = {u.username: u for u in db.session.scalars(select(User))}
        for username in [*HOLDERS, "t007", "q001"]:
            profile = users[username].profile
            school = db.session.get(Organisation, profile.school_id)
            register.confer(user_id=users[username].id, level="county", category="backbone",
                            conferred_on=date(2024, 3, 1), term_years=5, subject=HOLDERS.get(username, "music"),
                            org_id=school.id, county_id=school.parent_id, allowance_monthly=300, source="demo")
        db.session.flush()
        register.revoke(_title_of("t007"), date(2026, 1, 5), "违反师德")
        db.session.commit()
    yield
    patch.undo()
    empty_database(app)


@pytest.fixture(scope="module")
def sessions(app, world):
    """One logged-in browser session per user, made on first use."""
    return logged_in_sessions(app)


def _title_of(username: str) -> TitleHolding:
    return db.session.scalar(select(TitleHolding).join(User, User.id == TitleHolding.user_id)
                             .where(User.username == username).order_by(TitleHolding.id.desc()))


def _title(app, username: str) -> TitleHolding:
    with app.app_context():
        title = _title_of(username)
        db.session.expunge(title)
        return title


def _review(app, username: str) -> AnnualReview:
    with app.app_context():
        review = db.session.scalar(select(AnnualReview).join(User, User.id == AnnualReview.user_id)
                                   .where(User.username == username))
        db.session.expunge(review)
        return review


def _open_task(app, step: str, username: str) -> int:
    """The open step of the holder's review."""
    review = _review(app, username)
    with app.app_context():
        task_id = db.session.scalar(select(HumanTask.id).filter_by(instance_id=review.instance_id, task_name=step,
                                                                   state=TaskState.open))
        assert task_id, f"no open step {step} for {username}"
        return task_id


def _submit(session, task_id: int, data: dict):
    return session.post(f"/tasks/{task_id}", data={**data, "_action": "submit"}, content_type="multipart/form-data")


def _log(session, title_id: int, duty: str, on: str, quantity: int = 1, evidence: bool = True, text="Open class"):
    data = {"duty": duty, "on_date": on, "quantity": str(quantity), "description": text}
    if evidence:
        data["evidence"] = (io.BytesIO(PDF), "proof.pdf")
    return session.post(f"/annual/log/{title_id}", data=data, content_type="multipart/form-data")


def _county_id(app, name="汉阴县") -> int:
    with app.app_context():
        return db.session.scalar(select(Organisation.id).filter_by(name=name))


def _records(app, username: str) -> int:
    title = _title(app, username)
    with app.app_context():
        return db.session.query(DutyRecord).filter_by(title_id=title.id).count()


def test_the_duty_log_refuses_dates_outside_the_year_and_missing_evidence(app, sessions):
    teacher = sessions("t001")
    title = _title(app, "t001")
    page = teacher.get("/annual/log").get_data(as_text=True)
    assert "校级及以上示范课" in page and "2026–2027学年" in page
    outside = _log(teacher, title.id, "demo_class", "2026-08-20")
    assert outside.status_code == 422
    assert "2026–2027学年" in outside.get_data(as_text=True) and "Open class" in outside.get_data(as_text=True)
    future = _log(teacher, title.id, "demo_class", "2027-07-15")
    assert future.status_code == 422 and "不能晚于今天" in future.get_data(as_text=True)
    missing = _log(teacher, title.id, "paper", "2027-03-02", evidence=False)
    assert missing.status_code == 422 and "须附证明材料" in missing.get_data(as_text=True)
    assert _records(app, "t001") == 0
    assert _log(teacher, title.id, "reflection", "2027-03-02", quantity=2, evidence=False).status_code == 302
    assert _records(app, "t001") == 1
    # Another holder cannot write into this title's log.
    assert _log(sessions("t002"), title.id, "reflection", "2027-03-02", evidence=False).status_code == 404


def test_the_log_shows_progress_per_duty(app, sessions):
    teacher = sessions("t001")
    title = _title(app, "t001")
    for duty, on, quantity, evidence in [
        ("demo_class", "2026-10-12", 1, True), ("demo_class", "2027-04-08", 1, True),
        ("apprentice", "2026-09-10", 1, True), ("research_hours", "2026-12-01", 20, False),
        ("research_hours", "2027-05-20", 22, False), ("monograph", "2026-11-11", 1, True),
        ("monograph", "2027-05-11", 1, True), ("paper", "2027-01-10", 1, True), ("publication", "2027-06-01", 2, True),
        ("work_summary", "2027-01-20", 1, False),
    ]:
        assert _log(teacher, title.id, duty, on, quantity, evidence).status_code == 302
    page = teacher.get("/annual/log").get_data(as_text=True)
    row = re.search(r'<tr data-duty="demo_class" class="met">.*?</tr>', page, re.S).group(0)
    assert row.count("完成 1 / 1") == 2, row  # one per semester
    short = re.search(r'<tr data-duty="work_summary" class="short">.*?</tr>', page, re.S)
    assert short, "the second semester's work summary is still missing"


def test_the_county_opens_one_review_per_title_in_force(app, sessions):
    office = sessions("county")
    county_id = _county_id(app)
    response = office.post(f"/annual/counties/{county_id}/open", data={"school_year": "2026"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        reviews = db.session.scalars(select(AnnualReview)).all()
        holders = {db.session.get(User, r.user_id).username for r in reviews}
        assert holders == set(HOLDERS)  # not the revoked t007, not q001 of the other county
        t001 = next(r for r in reviews if db.session.get(User, r.user_id).username == "t001")
        profile = db.session.scalar(select(TeacherProfile).filter_by(user_id=t001.user_id))
        assert t001.school_id == profile.school_id and t001.status is AnnualReviewStatus.summary
    again = office.post(f"/annual/counties/{county_id}/open", data={"school_year": "2026"})
    assert again.status_code == 409
    assert office.post(f"/annual/counties/{county_id}/open", data={"school_year": "2019"}).status_code == 422
    assert sessions("sqcounty").post(f"/annual/counties/{county_id}/open", data={"school_year": "2026"}).status_code == 404
    inbox = sessions("t001").get("/inbox").get_data(as_text=True)
    assert "提交年度总结" in inbox


def test_log_summary_return_confirm_opinion_pass(app, sessions):
    teacher, school = sessions("t001"), sessions("s1admin")
    summary = {"summary": "本学年完成示范课两节、带徒一名、教研活动四十余课时，撰写论文一篇。"}
    assert _submit(teacher, _open_task(app, "submit_summary", "t001"), summary).status_code == 302
    page = school.get(f"/tasks/{_open_task(app, 'confirm_records', 't001')}").get_data(as_text=True)
    assert "annual-review-panel" in page and "本学年完成示范课两节" in page
    evidence = re.search(r'/instances/\d+/evidence/(sha256-[0-9a-f]+)', page)
    assert evidence and school.get(evidence.group(0)).status_code == 200  # the log's files, through the review
    no_comment = _submit(school, _open_task(app, "confirm_records", "t001"), {"confirmation": "return"})
    assert no_comment.status_code == 422
    assert _submit(school, _open_task(app, "confirm_records", "t001"),
                   {"confirmation": "return", "confirmation_comment": "请补充第二学期工作总结。"}).status_code == 302
    assert _review(app, "t001").status is AnnualReviewStatus.returned
    assert _log(teacher, _title(app, "t001").id, "work_summary", "2027-06-20", evidence=False).status_code == 302
    assert _submit(teacher, _open_task(app, "submit_summary", "t001"), summary).status_code == 302
    assert _submit(school, _open_task(app, "confirm_records", "t001"), {"confirmation": "confirm"}).status_code == 302
    # Mathematics has research staff: `research` gives the opinion, `research_cn` cannot see it.
    opinion_task = _open_task(app, "research_opinion", "t001")
    assert sessions("research_cn").get(f"/tasks/{opinion_task}").status_code == 404
    assert _submit(sessions("research"), opinion_task, {"opinion": "履职认真，示范课效果好。"}).status_code == 302
    review = _review(app, "t001")
    assert review.proposal == "pass" and review.tally["missed"] == 0
    assert _submit(sessions("county"), _open_task(app, "county_decision", "t001"), {"decision": "pass"}).status_code == 302
    review = _review(app, "t001")
    assert review.status is AnnualReviewStatus.passed and review.decision == "pass"
    title = _title(app, "t001")
    assert title.status == "active" and title.allowance_until is None


def _to_decision(app, sessions, username: str, school_admin: str) -> None:
    """Summary and confirmation with an empty log: the rule proposes a fail."""
    summary = {"summary": "本学年因病请假较多，未能完成全部职责，特此说明情况。"}
    assert _submit(sessions(username), _open_task(app, "submit_summary", username), summary).status_code == 302
    assert _submit(sessions(school_admin), _open_task(app, "confirm_records", username),
                   {"confirmation": "confirm"}).status_code == 302
    assert _review(app, username).proposal == "fail"


def _fail(app, sessions, username: str) -> None:
    response = _submit(sessions("county"), _open_task(app, "county_decision", username),
                       {"decision": "fail", "decision_reason": "示范课、论文等多项职责未完成。"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _review(app, username).status is AnnualReviewStatus.appeal_window
    assert _title(app, username).status == "active"  # not before the window ends or the appeal is decided


def test_a_departure_needs_a_reason_then_fail_and_the_appeal_is_upheld(app, sessions):
    _to_decision(app, sessions, "t002", "s2admin")
    office = sessions("county")
    no_reason = _submit(office, _open_task(app, "county_decision", "t002"), {"decision": "fail"})
    assert no_reason.status_code == 422  # a fail always needs the reason the holder reads
    departing = _submit(office, _open_task(app, "county_decision", "t002"), {"decision": "pass"})
    assert departing.status_code == 302
    review = _review(app, "t002")
    assert review.decision is None and review.status is AnnualReviewStatus.decision
    page = office.get(f"/tasks/{_open_task(app, 'county_decision', 't002')}").get_data(as_text=True)
    assert "与建议不一致" in page and "须说明理由" in page
    _fail(app, sessions, "t002")
    teacher = sessions("t002")
    assert "示范课、论文等多项职责未完成" in teacher.get(f"/tasks/{_open_task(app, 'appeal', 't002')}").get_data(as_text=True)
    assert _submit(teacher, _open_task(app, "appeal", "t002"), {"appeal_choice": "appeal"}).status_code == 422
    assert _submit(teacher, _open_task(app, "appeal", "t002"),
                   {"appeal_choice": "appeal", "appeal_text": "本学年因重病住院三个月，附病历证明。"}).status_code == 302
    assert _submit(sessions("leader"), _open_task(app, "appeal_decision", "t002"),
                   {"appeal_outcome_choice": "upheld", "appeal_reason": "因病缺勤属实。"}).status_code == 302
    review, title = _review(app, "t002"), _title(app, "t002")
    assert review.status is AnnualReviewStatus.passed and review.appeal_outcome == "upheld"
    assert title.status == "active" and title.allowance_until is None


def test_fail_then_the_appeal_is_rejected_and_the_title_revoked(app, sessions):
    _to_decision(app, sessions, "t003", "s3admin")
    _fail(app, sessions, "t003")
    assert _submit(sessions("t003"), _open_task(app, "appeal", "t003"),
                   {"appeal_choice": "appeal", "appeal_text": "我认为论文已经完成，只是尚未发表。"}).status_code == 302
    assert sessions("county").get(f"/tasks/{_open_task(app, 'appeal_decision', 't003')}").status_code == 404
    assert _submit(sessions("leader"), _open_task(app, "appeal_decision", "t003"),
                   {"appeal_outcome_choice": "rejected", "appeal_reason": "未提供任何证明材料。"}).status_code == 302
    review, title = _review(app, "t003"), _title(app, "t003")
    assert review.status is AnnualReviewStatus.revoked and title.status == "revoked"
    assert title.allowance_until is not None and "示范课" in title.status_reason
    with app.app_context():
        kinds = [e.kind for e in db.session.scalars(select(TitleEvent).filter_by(title_id=title.id))]
        told = db.session.scalars(select(Notification.event_key).where(
            Notification.kind == NotificationKind.title_notice, Notification.user_id == title.user_id)).all()
    assert kinds[-2:] == ["revoked", "allowance_stopped"]
    assert f"annual:{review.id}:revoked" in told and f"annual:{review.id}:failed" in told


def test_the_window_ends_without_appeal_and_a_late_appeal_is_refused(app, sessions):
    _to_decision(app, sessions, "t004", "s1admin")
    _fail(app, sessions, "t004")
    appeal_task = _open_task(app, "appeal", "t004")
    assert reach_timers(app, _review(app, "t004").instance_id) == 1
    assert _review(app, "t004").status is AnnualReviewStatus.revoked
    assert _title(app, "t004").status == "revoked"
    late = _submit(sessions("t004"), appeal_task, {"appeal_choice": "appeal", "appeal_text": "我要申诉，理由见附件材料。"})
    assert late.status_code == 409
    assert _review(app, "t004").appeal_text is None


def test_a_decision_on_a_title_already_revoked_changes_nothing(app, sessions):
    _to_decision(app, sessions, "t005", "s2admin")
    with app.app_context():
        register.revoke(_title_of("t005"), date(2027, 6, 1), "调离教师岗位")
        db.session.commit()
    assert _submit(sessions("county"), _open_task(app, "county_decision", "t005"),
                   {"decision": "fail", "decision_reason": "职责未完成。"}).status_code == 302
    review, title = _review(app, "t005"), _title(app, "t005")
    assert review.status is AnnualReviewStatus.void and review.decision is None
    assert title.status == "revoked" and title.status_reason == "调离教师岗位"


def test_a_transfer_to_an_unknown_school_is_refused_and_a_real_one_stops_the_allowance(app, sessions):
    office = sessions("county")
    title = _title(app, "t006")
    assert office.get(f"/annual/titles/{title.id}/transfer").status_code == 200
    unknown = office.post(f"/annual/titles/{title.id}/transfer",
                          data={"to_school": "999999", "on": "2027-06-01", "personnel_change": "1", "reason": "调动"})
    assert unknown.status_code == 422 and "调动" in unknown.get_data(as_text=True)
    with app.app_context():
        target = db.session.scalar(select(Organisation).filter_by(name="汉阴县第一中学"))
        target_id = target.id
    assert _title(app, "t006").allowance_until is None
    moved = office.post(f"/annual/titles/{title.id}/transfer",
                        data={"to_school": str(target_id), "on": "2027-06-01", "personnel_change": "1", "reason": "调动"})
    assert moved.status_code == 302
    title = _title(app, "t006")
    assert title.status == "active" and title.allowance_until == date(2027, 6, 1)
    with app.app_context():
        profile = db.session.scalar(select(TeacherProfile).filter_by(user_id=title.user_id))
        assert profile.school_id == target_id
        assert [e.kind for e in db.session.scalars(select(TitleEvent).filter_by(title_id=title.id))][-2:] == \
            ["transferred", "allowance_stopped"]
    assert sessions("sqcounty").get(f"/annual/titles/{title.id}/transfer").status_code == 404


def test_renewal_needs_every_review_of_the_term_passed(app, sessions):
    office = sessions("county")
    passed, failed = _title(app, "t001"), _title(app, "t006")
    assert office.post(f"/annual/titles/{failed.id}/renew").status_code == 409  # its review is still open
    assert office.post(f"/annual/titles/{passed.id}/renew").status_code == 302
    assert _title(app, "t001").valid_until == date(2034, 3, 1)


def test_the_career_record_is_for_the_teacher_and_overseers_only(app, sessions):
    t003 = _title(app, "t003")
    url = f"/annual/career/{t003.user_id}"
    page = sessions("t003").get(url).get_data(as_text=True)
    assert "career-timeline" in page and "data-print" in page
    assert "已撤销" in page and "未提供任何证明材料" in page
    for username in ("s3admin", "county", "city"):
        assert sessions(username).get(url).status_code == 200, username
    for username in ("t001", "s1admin", "sqcounty", "research", "leader"):
        assert sessions(username).get(url).status_code == 404, username
    assert sessions("t003").get("/annual/career").headers["Location"].endswith(url)


def test_outsiders_get_404_on_every_page_of_a_review(app, sessions):
    review = _review(app, "t001")
    with app.app_context():
        round_id = db.session.scalar(select(AnnualReviewRound.id))
        task_ids = db.session.scalars(select(HumanTask.id).filter_by(instance_id=review.instance_id)).all()
    urls = [f"/instances/{review.instance_id}", f"/annual/rounds/{round_id}", *(f"/tasks/{t}" for t in task_ids)]
    for username in ("s2admin", "sqcounty", "t002", "q001"):
        for url in urls:
            assert sessions(username).get(url).status_code == 404, (username, url)
    assert sessions("county").get(f"/annual/rounds/{round_id}").status_code == 200
    assert sessions("s1admin").get(f"/instances/{review.instance_id}").status_code == 200
    assert sessions("t001").get("/annual/").status_code == 404
    assert sessions("s1admin").get(f"/annual/counties/{_county_id(app)}/titles").status_code == 404


def test_english_pages_have_no_chinese_but_user_data(app, sessions):
    from .english_scan import scan

    t003 = _title(app, "t003")
    with app.app_context():
        round_id = db.session.scalar(select(AnnualReviewRound.id))
    problems = scan(app, {"county": sessions("county"), "t001": sessions("t001")},
                    start=("/annual/", f"/annual/rounds/{round_id}", f"/annual/career/{t003.user_id}", "/annual/log",
                           f"/annual/counties/{_county_id(app)}/titles"), limit=25)
    # Duty descriptions are typed by holders (English here); titles' and reviews' reasons are answers.
    assert problems == [], problems
