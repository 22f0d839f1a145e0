"""A step assigned to a person is theirs alone; only an overseer reassigns it, with a reason on record.

Issue 12: s1c2 released their secret ballot to the pool, s1c3 claimed and voted it, and s1c3's own
ballot then failed with a false "someone else acted at the same time".
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, HumanTask, TaskState, User
from webapp.processes.school_vote.models import BallotReceipt, RoundStatus

from .helpers import accepted_applications, cycle_id_for, declaration, start_application, submit, task_id_in_inbox
from .test_school_vote import APPLICANTS, _open_round, _round

UNCLAIM_FORM = re.compile(r'action="/tasks/\d+/unclaim"')


def _add_user(app, username: str, role_name: str, school_code: str = "530101-01") -> None:
    """Another person holding a role at a school (a new committee member, a deputy head)."""
    with app.app_context():
        from webapp.demo import _user
        from webapp.models import Organisation
        from webapp.roles import Role

        school = db.session.query(Organisation).filter_by(code=school_code).one()
        password_hash = db.session.query(User).filter_by(username="s1admin").one().password_hash
        _user(username, f"新成员{username}", Role(role_name), school, password_hash)
        db.session.commit()


def _ballot(login, member: str) -> int:
    return task_id_in_inbox(login(member), "投票")


def _assignee(app, task_id: int) -> str | None:
    with app.app_context():
        task = db.session.get(HumanTask, task_id)
        return db.session.get(User, task.assignee_id).username if task.assignee_id else None


def _refused_everywhere(session, task_id: int, data: dict | None = None) -> None:
    """Every action on the step answers the out-of-scope code for this person."""
    assert session.get(f"/tasks/{task_id}").status_code == 404
    assert session.post(f"/tasks/{task_id}/claim").status_code == 404
    assert session.post(f"/tasks/{task_id}/unclaim").status_code == 404
    assert session.post(f"/tasks/{task_id}", data=data or {}, content_type="multipart/form-data").status_code == 404
    assert task_id not in session.task_ids()


def test_a_ballot_cannot_be_released_claimed_or_voted_by_another_member(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    first = login("s1c1")
    assert submit(first, _ballot(login, "s1c1"), {"choices": [str(ids["t001"])]}).status_code == 302

    member = login("s1c2")
    ballot = _ballot(login, "s1c2")
    page = member.get(f"/tasks/{ballot}").get_data(as_text=True)
    assert not UNCLAIM_FORM.search(page) and "退回任务池" not in page  # no release button
    released = member.post(f"/tasks/{ballot}/unclaim")
    assert released.status_code == 404 and "不能退回" in released.get_data(as_text=True)
    assert _assignee(app, ballot) == "s1c2"

    choice = {"choices": [str(ids["t004"])]}
    _refused_everywhere(login("s1c3"), ballot, choice)  # a member with a ballot of their own
    _refused_everywhere(first, ballot, choice)  # a member who has voted
    _refused_everywhere(login("s1admin"), ballot, choice)  # the overseer reassigns, never votes
    assert _round(app, ids["round"]).ballots_cast == 1

    # The member still votes, and so does the colleague on their own ballot: no false 409.
    assert submit(member, ballot, {"choices": [str(ids["t004"])]}).status_code == 302
    assert submit(login("s1c3"), _ballot(login, "s1c3"), {"choices": [str(ids["t007"])]}).status_code == 302
    # Everyone voted, so the round closed at once.
    assert _round(app, ids["round"]).status is RoundStatus.notice
    with app.app_context():
        voters = set(db.session.scalars(select(User.username).join(BallotReceipt, BallotReceipt.voter_id == User.id)))
    assert voters == {"s1c1", "s1c2", "s1c3"}


@pytest.mark.parametrize("step", ["fill_declaration", "correct_application"])
def test_a_teachers_own_step_is_theirs_alone(app, login, step):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "backbone"))
    if step == "correct_application":
        assert submit(teacher, task_id, declaration()).status_code == 302
        admin = login("s1admin")
        returned = {"review_decision": "return", "review_comment": "请补充证明材料。"}
        assert submit(admin, task_id_in_inbox(admin, "学校审核申报"), returned).status_code == 302
        task_id = task_id_in_inbox(teacher, "修改")
    page = teacher.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert not UNCLAIM_FORM.search(page)
    assert teacher.post(f"/tasks/{task_id}/unclaim").status_code == 404
    assert teacher.post(f"/tasks/{task_id}/claim").status_code == 302  # already theirs: nothing changes
    for other in ["t004", "t007", "s1admin", "county"]:
        _refused_everywhere(login(other), task_id, declaration())
    # Nobody may hand a teacher's own step to someone else, not even the overseers.
    assert login("s1admin").get(f"/tasks/{task_id}/reassign").status_code == 404
    assert login("county").post(f"/tasks/{task_id}/reassign", data={"assignee": "1", "reason": "代为填写"}).status_code == 404
    assert _assignee(app, task_id) == "t001"
    assert submit(teacher, task_id, declaration()).status_code == 302
    with app.app_context():
        assert db.session.get(HumanTask, task_id).completed_by_id == db.session.scalar(
            select(User.id).filter_by(username="t001"))


def test_only_an_overseer_reassigns_a_ballot_and_only_to_a_member_without_one(app, login):
    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    assert submit(login("s1c1"), _ballot(login, "s1c1"), {"choices": [str(ids["t001"])]}).status_code == 302
    _add_user(app, "s1c4", "school_committee")  # appointed after the vote opened: holds no ballot
    ballot = _ballot(login, "s1c2")
    url = f"/tasks/{ballot}/reassign"
    for not_overseer in ["s1c1", "s1c2", "s1c3", "s1c4", "t001", "s2admin", "research"]:
        assert login(not_overseer).get(url).status_code == 404, not_overseer
        assert login(not_overseer).post(url, data={"assignee": "1", "reason": "生病请假"}).status_code == 404

    admin = login("s1admin")
    instance_page = admin.get(f"/instances/{ids['instance']}").get_data(as_text=True)
    assert f'href="{url}"' in instance_page
    form = admin.get(url).get_data(as_text=True)
    assert 'id="secret-note"' in form
    offered = set(re.findall(r'<option value="(\d+)"', form))
    with app.app_context():
        by_name = dict(db.session.execute(select(User.username, User.id)).all())
    assert offered == {str(by_name["s1c4"])}  # not s1c1 (voted), not s1c3 (holds a ballot), not s1c2

    # A missing reason and a forged choice are shown on the form, the input kept, nothing changed.
    missing = admin.post(url, data={"assignee": str(by_name["s1c4"]), "reason": ""})
    body = missing.get_data(as_text=True)
    assert missing.status_code == 422 and 'id="reassign-reason-error"' in body
    assert f'<option value="{by_name["s1c4"]}" selected>' in body
    forged = admin.post(url, data={"assignee": str(by_name["s1c1"]), "reason": "s1c2 生病住院，无法投票"})
    body = forged.get_data(as_text=True)
    assert forged.status_code == 422 and 'id="reassign-assignee-error"' in body and "s1c2 生病住院" in body
    assert _assignee(app, ballot) == "s1c2"

    reason = "s1c2 生病住院，本轮无法投票"
    assert admin.post(url, data={"assignee": str(by_name["s1c4"]), "reason": reason}).status_code == 302
    assert _assignee(app, ballot) == "s1c4"
    history = admin.get(f"/instances/{ids['instance']}").get_data(as_text=True)
    assert "由监督人员改派" in history and reason in history and "新成员s1c4" in history
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="reassigned"))
        assert set(event.data) == {"from", "to"} and event.comment == reason  # no ballot content

    # The former holder has no ballot now; the new one votes; the round closes when all have voted.
    _refused_everywhere(login("s1c2"), ballot, {"choices": [str(ids["t004"])]})
    assert ballot in login("s1c4").task_ids()
    assert submit(login("s1c4"), ballot, {"choices": [str(ids["t004"])]}).status_code == 302
    assert admin.get(url).status_code == 409  # completed: nothing left to reassign
    assert submit(login("s1c3"), _ballot(login, "s1c3"), {"choices": [str(ids["t004"])]}).status_code == 302
    round_ = _round(app, ids["round"])
    assert round_.status is RoundStatus.notice and round_.ballots_cast == 3


def test_a_claimed_queue_step_may_be_released_or_reassigned_by_the_county(app, login):
    teacher = login("t001")
    submit(teacher, start_application(teacher, cycle_id_for(app, "backbone")), declaration())
    _add_user(app, "s1deputy", "school_admin")
    admin, deputy, county = login("s1admin"), login("s1deputy"), login("county")
    review = task_id_in_inbox(admin, "学校审核申报")
    url = f"/tasks/{review}/reassign"
    assert county.get(url).status_code == 409  # in the queue: nothing to reassign
    assert admin.post(f"/tasks/{review}/claim").status_code == 302
    assert UNCLAIM_FORM.search(admin.get(f"/tasks/{review}").get_data(as_text=True))  # the claimer may release
    # A colleague in the same role is a peer, not an overseer.
    assert deputy.get(url).status_code == 404
    with app.app_context():
        deputy_id = db.session.scalar(select(User.id).filter_by(username="s1deputy"))
    form = county.get(url).get_data(as_text=True)
    assert 'value="queue"' in form and f'value="{deputy_id}"' in form
    assert county.post(url, data={"assignee": str(deputy_id), "reason": "校长外出培训两周"}).status_code == 302
    assert _assignee(app, review) == "s1deputy"
    assert admin.post(f"/tasks/{review}", data={"review_decision": "accept"}).status_code == 409  # taken
    assert county.post(url, data={"assignee": "queue", "reason": "副校长也外出了"}).status_code == 302
    assert _assignee(app, review) is None
    assert review in admin.task_ids(view="queue")
    assert submit(admin, review, {"review_decision": "accept"}).status_code == 302
    with app.app_context():
        assert db.session.get(HumanTask, review).state is TaskState.completed
