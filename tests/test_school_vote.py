"""The school vote and public notice over HTTP: ballots, ranking, ties, notice, objections, report."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import (
    ApplicationCycle, AuditEvent, HumanTask, ProcessInstance, TaskState, User,
)
from webapp.processes.objection.models import Objection
from webapp.processes.school_vote.models import BallotReceipt, RoundStatus, VoteRound
from webapp.processes.self_application.models import Application, ApplicationStatus

from .helpers import accepted_applications, reach_timers, submit, task_id_in_inbox

APPLICANTS = ["t001", "t004", "t007", "t010", "t013"]  # teaching years 14, 18, 20, 16, 12
MEMBERS = ["s1c1", "s1c2", "s1c3"]


def _open_round(app, login, deadline_days: int = 3) -> dict:
    """The school administrator opens the vote from the vote page; returns ids by username."""
    admin = login("s1admin")
    page = admin.get("/vote/").get_data(as_text=True)
    match = re.search(r'action="/vote/schools/(\d+)/rounds".*?name="cycle_id" id="ready-\d+-(\d+)"', page, re.S)
    assert match, page
    school_id, cycle_id = int(match.group(1)), int(match.group(2))
    deadline = (date.today() + timedelta(days=deadline_days)).isoformat()
    response = admin.post(f"/vote/schools/{school_id}/rounds", data={"cycle_id": cycle_id, "deadline": deadline})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        round_ = db.session.scalars(select(VoteRound).order_by(VoteRound.id.desc())).first()
        ids = {c.teacher.username: c.id for c in round_.candidates}
        return {"round": round_.id, "instance": round_.instance_id, "school": school_id, "cycle": cycle_id, **ids}


def _vote(login, member: str, ids: dict, names: list[str]):
    session = login(member)
    task_id = task_id_in_inbox(session, "投票")
    return submit(session, task_id, {"choices": [str(ids[name]) for name in names]})


def _round(app, round_id: int) -> VoteRound:
    with app.app_context():
        round_ = db.session.get(VoteRound, round_id)
        round_.candidates  # load
        for c in round_.candidates:
            c.teacher
        db.session.expunge_all()
        return round_


def _statuses(app, round_id: int) -> dict:
    with app.app_context():
        round_ = db.session.get(VoteRound, round_id)
        return {c.teacher.username: (c.status.value, c.votes, c.rank) for c in round_.candidates}


def _object(login, username: str, ids: dict, target: str, reason: str = "该教师申报材料中的公开课证明与实际情况不符，请核实。"):
    return login(username).post(
        f"/vote/rounds/{ids['round']}/objections",
        data={"candidate": str(ids[target]), "reason": reason},
        content_type="multipart/form-data",
    )


def _set_quota(login, cycle_id: int, mode: str, value: str):
    return login("county").post(f"/vote/quotas/{cycle_id}", data={"mode": mode, "value": value})


def test_full_flow_vote_notice_objections_report(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    assert _round(app, ids["round"]).quota == 2

    # Every member has one ballot listing every candidate with declaration and evidence.
    page = login("s1c1").get(f"/tasks/{task_id_in_inbox(login('s1c1'), '投票')}").get_data(as_text=True)
    assert page.count('class="candidate"') == 5 and "十余年来坚持课堂教学改革" in page and "/evidence/sha256-" in page
    assert "保存草稿" not in page  # a secret ballot is never stored as a draft

    # Before the round closes the administrator sees no tallies.
    admin = login("s1admin")
    page = admin.get(f"/vote/rounds/{ids['round']}").get_data(as_text=True)
    assert 'id="tallies"' not in page
    assert "投票不记名；投票结束后在此显示评议结果。" in page

    # A: 2, B: 2, C: 2 — a three-way tie at the quota line, broken by years of teaching: C (20), B (18).
    assert _vote(login, "s1c1", ids, ["t001", "t004"]).status_code == 302
    assert _vote(login, "s1c2", ids, ["t001", "t007"]).status_code == 302
    assert _vote(login, "s1c3", ids, ["t004", "t007"]).status_code == 302
    statuses = _statuses(app, ids["round"])
    assert statuses["t007"] == ("recommended", 2, 1)
    assert statuses["t004"] == ("recommended", 2, 2)
    assert statuses["t001"] == ("reserve", 2, 3)
    assert statuses["t010"][0] == statuses["t013"][0] == "not_passed"
    assert _round(app, ids["round"]).status is RoundStatus.notice

    # The notice: everyone in the school reads it; the administrator now sees the tallies.
    notice = login("t010").get(f"/vote/rounds/{ids['round']}").get_data(as_text=True)
    listed = notice[notice.index('id="notice-list"'):notice.index("</table>", notice.index('id="notice-list"'))]
    names = _names(app, ["t007", "t004", "t001"])
    assert names["t007"] in listed and names["t004"] in listed and names["t001"] not in listed
    assert "数学" in listed and "汉阴县第一中学" in listed
    assert 'id="tallies"' not in notice  # teachers see the list, not the votes
    assert 'id="tallies"' in admin.get(f"/vote/rounds/{ids['round']}").get_data(as_text=True)

    # Two objections: one by a teacher (upheld), one by a committee member (dismissed).
    assert _object(login, "t010", ids, "t007").status_code == 302
    assert _object(login, "s1c2", ids, "t004", "该教师近三年没有承担校级公开课任务。").status_code == 302
    first = task_id_in_inbox(admin, "调查处理异议")
    page = admin.get(f"/tasks/{first}").get_data(as_text=True)
    assert _names(app, ["t010"])["t010"] in page  # the investigator sees who objected
    response = submit(admin, first, {"objection_decision": "upheld", "objection_reply": "经核实，异议属实，取消其推荐资格。"})
    assert response.status_code == 302
    statuses = _statuses(app, ids["round"])
    assert statuses["t007"][0] == "removed" and statuses["t001"][0] == "recommended"  # the next one moves up
    notice = login("t013").get(f"/vote/rounds/{ids['round']}").get_data(as_text=True)
    changes = notice.split('id="notice-changes"', 1)[1].split("</ul>", 1)[0]
    assert "按排名递补进入名单" in changes

    # The candidate objected to never learns who objected.
    for url in _all_urls(app, ids):
        body = login("t007").get(url).get_data(as_text=True)
        assert _names(app, ["t010"])["t010"] not in body, url

    # The notice period ends with the second objection still open: the report waits for it.
    assert reach_timers(app, ids["instance"]) == 1
    assert _round(app, ids["round"]).status is RoundStatus.reporting
    late = _object(login, "t013", ids, "t004")
    assert late.status_code == 409 and "公示期已结束" in late.get_data(as_text=True)
    report = task_id_in_inbox(admin, "报送")
    assert submit(admin, report, {"report_confirmed": "true"}).status_code == 302
    report = task_id_in_inbox(admin, "报送")
    assert "还有 1 件异议未处理完毕" in admin.get(f"/tasks/{report}").get_data(as_text=True)
    assert _round(app, ids["round"]).status is RoundStatus.reporting

    second = task_id_in_inbox(admin, "调查处理异议")
    response = submit(admin, second, {"objection_decision": "dismissed", "objection_reply": "经核实，该教师本学期承担了校级公开课。"})
    assert response.status_code == 302
    reply_page = login("s1c2").get(f"/vote/rounds/{ids['round']}").get_data(as_text=True)
    mine = reply_page.split('id="my-objections"', 1)[1]
    assert '<span class="reply">经核实，该教师本学期承担了校级公开课。</span>' in mine
    assert "不成立，已驳回" in mine

    assert submit(admin, report, {"report_confirmed": "true"}).status_code == 302
    round_ = _round(app, ids["round"])
    assert round_.status is RoundStatus.reported and round_.reported_dt is not None

    # The county office finds the list per cycle, level × category and school.
    county = login("county").get("/vote/county").get_data(as_text=True)
    row = county[county.index(f'data-round-id="{ids["round"]}"'):]
    row = row[:row.index("</tr>")]
    names = _names(app, ["t004", "t001", "t007"])
    assert names["t004"] in row and names["t001"] in row and names["t007"] not in row

    # Each teacher sees where the application stands.
    assert "已推荐，已报送县教育局" in login("t001").get("/applications/").get_data(as_text=True)
    assert "经异议核实取消推荐" in login("t007").get("/applications/").get_data(as_text=True)
    assert "未被推荐" in login("t013").get("/applications/").get_data(as_text=True)


def _names(app, usernames) -> dict:
    with app.app_context():
        return {u.username: u.display_name for u in db.session.scalars(select(User).where(User.username.in_(usernames)))}


def _all_urls(app, ids) -> list[str]:
    """Every page that touches the vote: its instance, its tasks, the notice, objections' instances."""
    with app.app_context():
        instance_ids = [ids["instance"]] + [o.instance_id for o in db.session.scalars(select(Objection))]
        task_ids = db.session.scalars(select(HumanTask.id).where(HumanTask.instance_id.in_(instance_ids))).all()
    return ([f"/instances/{i}" for i in instance_ids] + [f"/tasks/{t}" for t in task_ids]
            + [f"/vote/rounds/{ids['round']}", "/vote/", "/inbox", "/applications/"])


def test_ballots_are_secret(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    # s1c1 votes for t010 and t013 only: nobody may ever learn that from any page or stored state.
    assert _vote(login, "s1c1", ids, ["t010", "t013"]).status_code == 302
    assert _vote(login, "s1c2", ids, ["t001"]).status_code == 302
    assert _vote(login, "s1c3", ids, []).status_code == 302  # an abstention still counts as cast
    with app.app_context():
        instance = db.session.get(ProcessInstance, ids["instance"])
        state = instance.state_json
        assert '"choices"' not in state
        ballots = db.session.scalars(select(AuditEvent).filter(AuditEvent.instance_id == instance.id, AuditEvent.action == "completed", AuditEvent.task_name == "cast_ballot")).all()
        assert len(ballots) == 3 and all(event.data is None for event in ballots)
        assert all(t.draft_json is None for t in db.session.scalars(select(HumanTask).filter_by(instance_id=instance.id)))
        assert db.session.scalar(select(VoteRound.ballots_cast).filter_by(id=ids["round"])) == 3
        receipts = db.session.scalars(select(BallotReceipt).filter_by(round_id=ids["round"])).all()
        assert {r.voter_id for r in receipts} and not hasattr(BallotReceipt, "choices")
    everyone = ["s1admin", "s2admin", "county", "city", "province", "admin", "research", "expert",
                "t001", "t010", "t013", "s1c1", "s1c2", "s1c3", "s2c1"]
    chosen_only_by_s1c1 = _names(app, ["t010", "t013"]).values()
    for username in everyone:
        session = login(username)
        for url in _all_urls(app, ids):
            response = session.get(url)
            body = response.get_data(as_text=True)
            # A cast ballot cannot be opened again by anyone, its voter included: its page says who
            # completed it and when, never what was chosen.
            if url.startswith("/tasks/") and 'id="task-done"' in body:
                assert 'name="choices"' not in body and not any(name in body for name in chosen_only_by_s1c1)
                continue
            if url.startswith("/tasks/") and response.status_code == 200:
                assert 'name="choices"' in body and "votes" not in body  # only an open, empty ballot
                continue
            # The history says who voted, never how; counts appear only after the round closes.
            if '<ol class="history">' in body:
                history = body[body.index('<ol class="history">'):]
                assert not any(name in history for name in chosen_only_by_s1c1), (username, url)
    page = login("s1admin").get(f"/vote/rounds/{ids['round']}").get_data(as_text=True)
    assert 'id="tallies"' in page  # closed: now the administrator sees counts, still not who chose whom
    assert voter_free(page, _names(app, MEMBERS).values())


def voter_free(page: str, member_names) -> bool:
    """True if no committee member's name appears in the tallies."""
    tallies = page[page.index('id="tallies"'):]
    tallies = tallies[:tallies.index("</section>")]
    return not any(name in tallies for name in member_names)


def _same_facts(app, a: str, b: str) -> None:
    """Give teacher b the same birth date and teaching start as teacher a (the tie-break facts)."""
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_([a, b])))}
        users[b].profile.birth_date = users[a].profile.birth_date
        users[b].profile.teaching_start_date = users[a].profile.teaching_start_date
        db.session.commit()


def test_unbreakable_tie_is_decided_by_the_administrator(app, login):
    accepted_applications(app, login, APPLICANTS)
    _same_facts(app, "t004", "t001")
    ids = _open_round(app, login)
    # Everyone has 2 votes; t007 (20 years) ranks first; t004 and t001 cannot be separated.
    assert _vote(login, "s1c1", ids, ["t001", "t004"]).status_code == 302
    assert _vote(login, "s1c2", ids, ["t001", "t007"]).status_code == 302
    assert _vote(login, "s1c3", ids, ["t004", "t007"]).status_code == 302
    assert _round(app, ids["round"]).status is RoundStatus.tie
    assert _statuses(app, ids["round"])["t007"][0] == "recommended"

    admin = login("s1admin")
    task_id = task_id_in_inbox(admin, "裁决并列")
    page = admin.get(f"/tasks/{task_id}").get_data(as_text=True)
    names = _names(app, ["t001", "t004"])
    assert names["t001"] in page and names["t004"] in page and "名额内只剩 1 个" in page
    both = submit(admin, task_id, {"tie_choice": [str(ids["t001"]), str(ids["t004"])], "tie_note": "经校务会研究决定。"})
    assert both.status_code == 422
    assert _round(app, ids["round"]).status is RoundStatus.tie
    response = submit(admin, task_id, {"tie_choice": [str(ids["t001"])], "tie_note": "t001 近三年承担县级公开课更多，经校务会研究决定。"})
    assert response.status_code == 302, response.get_data(as_text=True)
    statuses = _statuses(app, ids["round"])
    assert statuses["t001"][0] == "recommended" and statuses["t004"][0] == "reserve"
    assert [statuses[u][2] for u in ("t007", "t001", "t004")] == [1, 2, 3]
    round_ = _round(app, ids["round"])
    assert round_.status is RoundStatus.notice and "经校务会研究决定" in round_.tie_note
    assert "经校务会研究决定" in admin.get(f"/vote/rounds/{ids['round']}").get_data(as_text=True)


def test_bad_ballots_are_refused_and_change_nothing(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    too_many = _vote(login, "s1c1", ids, ["t001", "t004", "t007"])
    assert too_many.status_code == 422 and "最多" in too_many.get_data(as_text=True)
    assert _round(app, ids["round"]).ballots_cast == 0
    forged = submit(login("s1c1"), task_id_in_inbox(login("s1c1"), "投票"), {"choices": ["999999"]})
    assert forged.status_code == 422

    member = login("s1c1")
    task_id = task_id_in_inbox(member, "投票")
    assert submit(member, task_id, {"choices": [str(ids["t001"])]}).status_code == 302
    again = submit(member, task_id, {"choices": [str(ids["t004"])]})
    assert again.status_code == 409
    assert _round(app, ids["round"]).ballots_cast == 1
    assert _statuses(app, ids["round"])["t004"][1] == 0

    # Someone else's ballot does not exist for anyone but its member (the out-of-scope answer).
    other = task_id_in_inbox(login("s1c2"), "投票")
    assert login("s1c3").get(f"/tasks/{other}").status_code == 404
    assert login("s2c1").get(f"/tasks/{other}").status_code == 404
    assert login("t001").get(f"/tasks/{other}").status_code == 404

    # After the deadline closes the round, a late ballot is refused.
    late = task_id_in_inbox(login("s1c3"), "投票")
    assert reach_timers(app, ids["instance"]) == 1
    refused = submit(login("s1c3"), late, {"choices": [str(ids["t004"])]})
    assert refused.status_code == 409 and "已关闭" in refused.get_data(as_text=True)
    assert _round(app, ids["round"]).ballots_cast == 1


def test_deadline_with_quorum_closes_the_round(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    assert _vote(login, "s1c1", ids, ["t001", "t004"]).status_code == 302
    assert _vote(login, "s1c2", ids, ["t001", "t004"]).status_code == 302
    assert reach_timers(app, ids["instance"]) == 1  # 2 of 3 voted: two thirds, quorum met
    round_ = _round(app, ids["round"])
    assert round_.status is RoundStatus.notice and round_.ballots_cast == 2
    assert round_.notice_end_dt > round_.notice_start_dt
    with app.app_context():
        open_ballots = db.session.scalar(
            select(HumanTask.id).filter_by(instance_id=ids["instance"], task_name="cast_ballot", state=TaskState.open))
        assert open_ballots is None  # the third member's ballot left the inbox
    statuses = _statuses(app, ids["round"])
    assert statuses["t001"][0] == statuses["t004"][0] == "recommended"


def test_deadline_without_quorum_extend_then_cancel(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    assert _vote(login, "s1c1", ids, ["t001"]).status_code == 302
    assert reach_timers(app, ids["instance"]) == 1  # 1 of 3: no quorum
    assert _round(app, ids["round"]).status is RoundStatus.no_quorum
    admin = login("s1admin")
    task_id = task_id_in_inbox(admin, "未达法定人数")
    assert "至少需要 2 人" in admin.get(f"/tasks/{task_id}").get_data(as_text=True)
    missing = submit(admin, task_id, {"no_quorum_decision": "extend"})
    assert missing.status_code == 422  # a new date is required to extend
    # A day that is not after today is refused on the form, by its field, with the input kept.
    past = submit(admin, task_id, {"no_quorum_decision": "extend", "new_deadline": date.today().isoformat()})
    assert past.status_code == 422
    page = past.get_data(as_text=True)
    assert "新的投票截止日期必须晚于今天。" in page and f'value="{date.today().isoformat()}"' in page
    assert _round(app, ids["round"]).status is RoundStatus.no_quorum  # nothing ran
    later = (date.today() + timedelta(days=2)).isoformat()
    assert submit(admin, task_id, {"no_quorum_decision": "extend", "new_deadline": later}).status_code == 302
    assert _round(app, ids["round"]).status is RoundStatus.voting
    # Only the members who had not voted get a ballot again.
    assert login("s1c1").task_ids() == []
    assert _vote(login, "s1c2", ids, []).status_code == 302
    assert reach_timers(app, ids["instance"]) == 1  # still 2 of 3? no: s1c3 missing but 2 cast → quorum
    assert _round(app, ids["round"]).status is RoundStatus.notice


def test_cancel_a_round_without_quorum_frees_the_applications(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    assert reach_timers(app, ids["instance"]) == 1  # nobody voted
    admin = login("s1admin")
    assert submit(admin, task_id_in_inbox(admin, "未达法定人数"), {"no_quorum_decision": "cancel"}).status_code == 302
    assert _round(app, ids["round"]).status is RoundStatus.cancelled
    assert "取消" in login("t001").get("/applications/").get_data(as_text=True)
    second = _open_round(app, login)  # the same applications enter a new round
    assert second["round"] != ids["round"] and set(APPLICANTS) <= set(second)


def test_objections_from_outside_the_school_or_after_the_period_are_refused(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    for member in MEMBERS:
        assert _vote(login, member, ids, ["t001", "t004"]).status_code == 302
    outsider = _object(login, "t002", ids, "t001")  # a teacher of another school
    assert outsider.status_code == 404
    overseer = _object(login, "county", ids, "t001")  # may read the notice, is not of the school
    assert overseer.status_code == 404 and "只有本校人员" in overseer.get_data(as_text=True)
    not_listed = _object(login, "t013", ids, "t010")
    assert not_listed.status_code == 422
    short = _object(login, "t013", ids, "t001", "太短")
    assert short.status_code == 422 and "10" in short.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Objection.id)) is None
    assert reach_timers(app, ids["instance"]) == 1
    late = _object(login, "t013", ids, "t001")
    assert late.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(Objection.id)) is None


def test_withdrawal_during_the_vote_and_during_the_notice(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    # t013 withdraws while the committee votes: the ballots naming t013 no longer count.
    teacher = login("t013")
    assert teacher.post(f"/vote/candidates/{ids['t013']}/withdraw").status_code == 302
    assert _vote(login, "s1c1", ids, ["t013", "t001"]).status_code == 302
    assert _vote(login, "s1c2", ids, ["t001", "t004"]).status_code == 302
    assert _vote(login, "s1c3", ids, ["t004", "t007"]).status_code == 302
    statuses = _statuses(app, ids["round"])
    assert statuses["t013"] == ("withdrawn", 0, None)
    assert statuses["t001"][0] == statuses["t004"][0] == "recommended"
    with app.app_context():
        application = db.session.get(Application, db.session.scalar(
            select(Application.id).join(User, User.id == Application.teacher_id).filter(User.username == "t013")))
        assert application.status is ApplicationStatus.withdrawn
    # t004 withdraws during the notice: nobody else passed (t007 has 1 vote of 3), so the list shrinks.
    assert login("t004").post(f"/vote/candidates/{ids['t004']}/withdraw").status_code == 302
    statuses = _statuses(app, ids["round"])
    assert statuses["t004"][0] == "withdrawn" and statuses["t001"][0] == "recommended"
    notice = login("t010").get(f"/vote/rounds/{ids['round']}").get_data(as_text=True)
    assert "退出" in notice
    # Someone else's candidacy cannot be withdrawn.
    assert login("t010").post(f"/vote/candidates/{ids['t001']}/withdraw").status_code == 404


def test_county_office_sets_the_quota(app, login):
    with app.app_context():
        cycle_id = db.session.scalar(select(ApplicationCycle.id).filter_by(category="backbone"))
    assert "学校推荐名额" in login("county").get("/vote/quotas").get_data(as_text=True)
    bad = _set_quota(login, cycle_id, "ratio", "1.5")
    assert bad.status_code == 422 and "比例须大于 0 且不超过 1" in bad.get_data(as_text=True)
    assert _set_quota(login, cycle_id, "absolute", "2.5").status_code == 422
    with app.app_context():
        cycle = db.session.get(ApplicationCycle, cycle_id)
        assert (cycle.quota_mode, cycle.quota_value) == ("absolute", 2)
    assert _set_quota(login, cycle_id, "ratio", "0.02").status_code == 302
    with app.app_context():
        cycle = db.session.get(ApplicationCycle, cycle_id)
        assert cycle.school_quota(160) == 3 and cycle.school_quota(45) == 1  # 3.2 → 3; 0.9 → 1
    for outsider in ("s1admin", "t001", "city"):
        assert login(outsider).post(f"/vote/quotas/{cycle_id}", data={"mode": "absolute", "value": "9"}).status_code == 404
    with app.app_context():
        assert db.session.get(ApplicationCycle, cycle_id).quota_mode == "ratio"


def test_demo_fast_forward_command_ends_a_notice(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    for member in MEMBERS:
        assert _vote(login, member, ids, ["t001"]).status_code == 302
    result = app.test_cli_runner().invoke(args=["fast-forward-timers", str(ids["instance"])])
    assert result.exit_code == 0, result.output
    assert "Advanced 1 instances." in result.output
    assert _round(app, ids["round"]).status is RoundStatus.reporting


def test_a_later_round_votes_only_on_new_applications_for_the_places_left(app, login):
    # Two applications accepted, the vote opened on them (2 places: the default quota).
    accepted_applications(app, login, ["t001", "t004"])
    first = _open_round(app, login)
    assert set(first) >= {"t001", "t004"}
    # A third application is accepted while the first vote runs: it waits for a vote of its own, but
    # the first round may still fill both places, so none is left to vote on.
    accepted_applications(app, login, ["t007"])
    admin = login("s1admin")
    refused = admin.post(f"/vote/schools/{first['school']}/rounds",
                         data={"cycle_id": first["cycle"], "deadline": (date.today() + timedelta(days=3)).isoformat()})
    assert refused.status_code == 409
    assert "推荐名额已由此前的评议占满" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(VoteRound.id))) == 1
    # t004 withdraws: the first round can fill one place only, so one is left for the new application.
    assert login("t004").post(f"/vote/candidates/{first['t004']}/withdraw").status_code == 302
    second = _open_round(app, login)
    assert second["round"] != first["round"]
    round_ = _round(app, second["round"])
    # Only the application no round holds; t001 stays in the first round alone.
    assert sorted(c.teacher.username for c in round_.candidates) == ["t007"]
    assert round_.quota == 1
    assert sorted(c.teacher.username for c in _round(app, first["round"]).candidates) == ["t001", "t004"]
