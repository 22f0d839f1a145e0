"""The school vote tells everyone concerned: ballots issued, who still has to vote, the list and its
changes, the objector's answer, the report; the report step shows the list it reports."""
from __future__ import annotations

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import HumanTask, Notification, NotificationKind, TaskState, User
from webapp.processes.school_vote.models import VoteRound

from .helpers import accepted_applications, reach_timers, submit, task_id_in_inbox
from .test_school_vote import APPLICANTS, MEMBERS, _names, _object, _open_round, _vote


def _kinds(app) -> dict[str, list[str]]:
    """username → kinds of the events they were told, in order."""
    with app.app_context():
        rows = db.session.execute(
            select(User.username, Notification.kind).join(User, User.id == Notification.user_id)
            .where(Notification.kind != NotificationKind.new_tasks).order_by(Notification.id)
        ).all()
    kinds: dict[str, list[str]] = {}
    for username, kind in rows:
        kinds.setdefault(username, []).append(kind.value)
    return kinds


def test_vote_events_progress_and_the_report_list(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    names = _names(app, APPLICANTS + MEMBERS)
    kinds = _kinds(app)
    assert all(kinds.get(member) == ["ballot_issued"] for member in MEMBERS), kinds
    # The ballot notice leads the member to their own ballot.
    member = login("s1c2")
    ballot = task_id_in_inbox(member, "投票")
    assert f'href="/tasks/{ballot}"' in member.get("/notifications/").get_data(as_text=True)

    # Who still has to act: who voted, never how.
    assert _vote(login, "s1c1", ids, ["t001", "t004"]).status_code == 302
    admin = login("s1admin")
    record = admin.get(f"/instances/{ids['instance']}").get_data(as_text=True)
    waiting = record[record.index('id="waiting-for"'):record.index("</ul>", record.index('id="waiting-for"'))]
    assert "已完成 1 / 3" in waiting and names["s1c1"] in waiting
    assert names["s1c2"] in waiting and names["s1c3"] in waiting
    assert names["t001"] not in waiting  # nothing about whom the ballot named
    notice = admin.get(f"/vote/rounds/{ids['round']}").get_data(as_text=True)
    progress = notice[notice.index('id="ballot-progress"'):notice.index("</section>", notice.index('id="ballot-progress"'))]
    assert "已投票 1 / 3 人" in progress
    assert names["s1c2"] in progress and names["s1c3"] in progress and names["s1c1"] not in progress

    # All votes in: a three-way tie at the line, broken by years of teaching (t007, t004; t001 reserve).
    assert _vote(login, "s1c2", ids, ["t004", "t007"]).status_code == 302
    assert _vote(login, "s1c3", ids, ["t001", "t007"]).status_code == 302
    kinds = _kinds(app)
    assert kinds["t007"] == ["recommended"] and kinds["t004"] == ["recommended"]
    assert kinds["t001"] == kinds["t010"] == kinds["t013"] == ["not_recommended"]

    # An upheld objection: the removed candidate, the one who moves up and the objector are told.
    assert _object(login, "t010", ids, "t007").status_code == 302
    submit(admin, task_id_in_inbox(admin, "调查处理异议"),
           {"objection_decision": "upheld", "objection_reply": "经核实，异议属实。"})
    kinds = _kinds(app)
    assert kinds["t007"] == ["recommended", "removed"]
    assert kinds["t001"] == ["not_recommended", "recommended"]
    assert kinds["t010"] == ["not_recommended", "objection_reply"]
    page = login("t010").get("/notifications/").get_data(as_text=True)
    assert "经核实成立" in page and "经核实，异议属实。" in page
    assert names["t010"] not in login("t007").get("/notifications/").get_data(as_text=True)  # never who objected

    # The report step shows the final list it reports. Ending the notice early (a demo's
    # fast-forward) leaves the published period as it was: never "09:01 to 09:02".
    with app.app_context():
        published = db.session.get(VoteRound, ids["round"]).notice_end_dt
    assert reach_timers(app, ids["instance"]) == 1
    with app.app_context():
        assert db.session.get(VoteRound, ids["round"]).notice_end_dt == published
    report = task_id_in_inbox(admin, "报送")
    page = admin.get(f"/tasks/{report}").get_data(as_text=True)
    listed = page[page.index('id="report-list"'):page.index("</section>", page.index('id="report-list"'))]
    assert names["t004"] in listed and names["t001"] in listed and names["t007"] in listed  # t007 in the changes
    table = listed[listed.index('id="report-list-table"'):listed.index("</table>")]
    assert names["t007"] not in table and "姓名" in table
    response = submit(admin, report, {"report_confirmed": "true"})
    assert response.headers["Location"].endswith(f"/vote/rounds/{ids['round']}")
    assert "已报送：县教育局可以在“学校推荐名单”中看到这份名单。" in admin.get(response.headers["Location"]).get_data(as_text=True)
    kinds = _kinds(app)
    assert kinds["county"] == ["list_reported"]
    assert kinds["t004"][-1] == "list_reported" and kinds["t001"][-1] == "list_reported"
    assert "list_reported" not in kinds["t007"]
    county = login("county").get("/notifications/").get_data(as_text=True)
    assert 'href="/vote/county"' in county and re.search(r"已向县教育局报送.*推荐名单", county)
    with app.app_context():
        assert db.session.scalar(select(HumanTask.id).filter_by(instance_id=ids["instance"], state=TaskState.open)) is None
