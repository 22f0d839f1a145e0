"""Every URL of an instance refuses people outside its scope with one code, 404, never a leak.

A task assigned to a person grants nothing to anyone else; claimable means unassigned and in the
role's scope. Colleagues at the same school are outsiders to each other's applications.
"""
from __future__ import annotations

import io
import re

import pytest

from webapp.extensions import db
from webapp.models import HumanTask, TaskState
from webapp.processes.self_application.models import Application

from .helpers import PDF, cycle_id_for, declaration, start_application, submit, task_id_in_inbox

EVIDENCE_LINK = r'href="(/instances/{}/evidence/(sha256-[0-9a-f]{{64}}))"'


def _evidence_link(session, instance_id: int) -> tuple[str, str]:
    """The first evidence link on the instance page, and its digest."""
    page = session.get(f"/instances/{instance_id}").get_data(as_text=True)
    match = re.search(EVIDENCE_LINK.format(instance_id), page)
    assert match, page
    return match.group(1), match.group(2)


def _application(app, username: str) -> Application:
    with app.app_context():
        from webapp.models import User

        user = db.session.query(User).filter_by(username=username).one()
        row = db.session.query(Application).filter_by(teacher_id=user.id).one()
        db.session.expunge(row)
        return row


@pytest.fixture
def submitted(app, login):
    """t001 (school 1) has submitted; returns (instance id, review task id, evidence link, application id)."""
    teacher = login("t001")
    submit(teacher, start_application(teacher, cycle_id_for(app, "academic_leader")), declaration())
    review_id = task_id_in_inbox(login("s1admin"), "学校审核申报")
    application = _application(app, "t001")
    evidence, _digest = _evidence_link(teacher, application.instance_id)
    return application.instance_id, review_id, evidence, application.id


@pytest.mark.parametrize("outsider", ["s2admin", "s2c1", "t004", "t007", "t002", "s1c1", "research", "expert", "training"])
def test_outsiders_get_nothing(login, submitted, outsider):
    instance_id, review_id, evidence, application_id = submitted
    user = login(outsider)
    assert user.get(f"/instances/{instance_id}").status_code == 404
    assert user.get(f"/tasks/{review_id}").status_code == 404
    assert user.get(evidence).status_code == 404
    assert user.post(f"/tasks/{review_id}", data={"review_decision": "accept"}).status_code == 404
    assert user.post(f"/tasks/{review_id}/claim").status_code == 404
    assert user.post(f"/tasks/{review_id}/unclaim").status_code == 404
    assert user.get(f"/tasks/{review_id}/reassign").status_code == 404
    assert user.post(f"/applications/{application_id}/withdraw").status_code == 404
    assert review_id not in user.task_ids()


def test_overseers_see_the_instance_but_the_step_is_not_theirs(app, login, submitted):
    instance_id, review_id, evidence, _application_id = submitted
    county = login("county")
    assert county.get(f"/instances/{instance_id}").status_code == 200
    assert county.get(evidence).data == PDF
    assert county.get(f"/tasks/{review_id}").status_code == 404
    assert county.post(f"/tasks/{review_id}", data={"review_decision": "accept"}).status_code == 404
    assert county.post(f"/tasks/{review_id}/claim").status_code == 404
    with app.app_context():
        assert db.session.get(HumanTask, review_id).state is TaskState.open


def test_the_applicant_cannot_review_their_own_application(app, login, submitted):
    _instance_id, review_id, _evidence, _application_id = submitted
    teacher = login("t001")
    assert teacher.get(f"/tasks/{review_id}").status_code == 404
    assert teacher.post(f"/tasks/{review_id}", data={"review_decision": "accept"}).status_code == 404


def _add_deputy(app):
    """A second school administrator at school 1."""
    with app.app_context():
        from webapp.demo import _user
        from webapp.models import Organisation, User
        from webapp.roles import Role

        school = db.session.query(Organisation).filter_by(code="530101-01").one()
        password_hash = db.session.query(User).filter_by(username="s1admin").one().password_hash
        _user("s1deputy", "副校长", Role.school_admin, school, password_hash)
        db.session.commit()


def test_a_claimed_task_belongs_to_the_claimer(app, login, submitted):
    _instance_id, review_id, _evidence, _application_id = submitted
    _add_deputy(app)
    admin, deputy = login("s1admin"), login("s1deputy")
    assert admin.post(f"/tasks/{review_id}/claim").status_code == 302
    assert admin.post(f"/tasks/{review_id}/claim").status_code == 302  # already theirs: no false conflict
    # The colleague holds the role there, so is told the truth: it was taken.
    taken = deputy.post(f"/tasks/{review_id}/claim")
    assert taken.status_code == 409 and "已被他人认领" in taken.get_data(as_text=True)
    assert deputy.post(f"/tasks/{review_id}", data={"review_decision": "accept"}).status_code == 409
    assert deputy.post(f"/tasks/{review_id}/unclaim").status_code == 409
    assert review_id not in deputy.task_ids()
    # A queue step claimed from the queue may go back to it, and then anyone in the role claims it.
    page = admin.get(f"/tasks/{review_id}").get_data(as_text=True)
    assert f'action="/tasks/{review_id}/unclaim"' in page
    assert admin.post(f"/tasks/{review_id}/unclaim").status_code == 302
    assert admin.post(f"/tasks/{review_id}/unclaim").status_code == 409  # nothing left to release
    assert deputy.post(f"/tasks/{review_id}/claim").status_code == 302


# -- issue 11: colleagues at the same school read each other's applications -------------------------

def test_a_colleague_cannot_open_a_draft_application(app, login):
    """t004 opened t001's draft (/instances/1) and got 200."""
    teacher = login("t001")
    declaration_id = start_application(teacher, cycle_id_for(app, "academic_leader"))
    instance_id = _application(app, "t001").instance_id
    assert teacher.get(f"/instances/{instance_id}").status_code == 200
    colleague = login("t004")
    assert colleague.get(f"/instances/{instance_id}").status_code == 404
    assert colleague.get(f"/tasks/{declaration_id}").status_code == 404
    assert colleague.post(f"/tasks/{declaration_id}", data=declaration(), content_type="multipart/form-data").status_code == 404
    assert colleague.post(f"/tasks/{declaration_id}/claim").status_code == 404
    assert declaration_id not in colleague.task_ids()
    with app.app_context():
        assert db.session.get(HumanTask, declaration_id).state is TaskState.open


def test_colleagues_cannot_read_a_returned_application_or_its_evidence(app, login):
    """After the school returned t004's application, colleagues got 200 on its page and its file."""
    teacher = login("t004")
    submit(teacher, start_application(teacher, cycle_id_for(app, "backbone")), declaration())
    admin = login("s1admin")
    comment = "请补充近三年公开课的证明材料。"
    response = submit(admin, task_id_in_inbox(admin, "学校审核申报"), {"review_decision": "return", "review_comment": comment})
    assert response.status_code == 302
    instance_id = _application(app, "t004").instance_id
    link, digest = _evidence_link(teacher, instance_id)
    correction = task_id_in_inbox(teacher, "修改")
    assert comment in teacher.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert admin.get(link).data == PDF
    for colleague in ["t001", "t007", "t010"]:
        session = login(colleague)
        assert session.get(f"/instances/{instance_id}").status_code == 404, colleague
        assert session.get(link).status_code == 404, colleague
        assert session.get(f"/tasks/{correction}").status_code == 404, colleague

    # A colleague who uploads the very same bytes gets their own upload, never t004's through the instance.
    colleague = login("t007")
    own_draft = start_application(colleague, cycle_id_for(app, "backbone"))
    saved = submit(colleague, own_draft, declaration(_action="save", evidence=(io.BytesIO(PDF), "我的证书.pdf")))
    assert saved.status_code == 302
    assert colleague.get(link).status_code == 404
    own = colleague.get(f"/evidence/{digest}")
    assert own.status_code == 200 and "%E6%88%91%E7%9A%84" in own.headers["Content-Disposition"]  # 我的证书.pdf
    # …and the old hash-only URL gives nobody else's upload: the school administrator uploaded nothing.
    assert admin.get(f"/evidence/{digest}").status_code == 404


@pytest.mark.parametrize("url", ["/inbox", "/applications/", "/instances/1", "/tasks/1", "/admin/processes"])
def test_login_required(client, demo, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_pages_only_for_sysadmins(login):
    assert login("county").get("/admin/processes").status_code == 404
    page = login("admin").get("/admin/processes").get_data(as_text=True)
    assert "self_application" in page


def test_wrong_password_is_refused(client, demo):
    response = client.post("/login", data={"username": "t001", "password": "wrong"})
    assert response.status_code == 401
    assert client.get("/inbox").status_code == 302


def test_login_does_not_redirect_off_site(client, demo):
    response = client.post("/login?next=//evil.example/x", data={"username": "t001", "password": "demo1234"})
    assert response.headers["Location"] == "/inbox"


def test_csrf_is_enforced(app, demo):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        assert client.post("/login", data={"username": "t001", "password": "demo1234"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
