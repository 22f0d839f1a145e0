"""Every URL of an instance refuses people outside its scope: 404 (or 403 where visible), never a leak."""
from __future__ import annotations

import re

import pytest

from webapp.extensions import db
from webapp.models import HumanTask, TaskState
from webapp.processes.self_application.models import Application

from .helpers import cycle_id_for, declaration, start_application, submit, task_id_in_inbox


@pytest.fixture
def submitted(app, login):
    """t001 (school 1) has submitted; returns (instance id, review task id, evidence link, application id)."""
    teacher = login("t001")
    submit(teacher, start_application(teacher, cycle_id_for(app, "academic_leader")), declaration())
    review_id = task_id_in_inbox(login("s1admin"), "学校审核申报")
    with app.app_context():
        application = db.session.query(Application).one()
        instance_id, application_id = application.instance_id, application.id
    page = teacher.get(f"/instances/{instance_id}").get_data(as_text=True)
    evidence = re.search(r'href="(/evidence/sha256-[0-9a-f]{64})"', page).group(1)
    return instance_id, review_id, evidence, application_id


@pytest.mark.parametrize("outsider", ["s2admin", "s2c1", "t004", "t002", "research", "expert", "training"])
def test_outsiders_get_nothing(login, submitted, outsider):
    instance_id, review_id, evidence, application_id = submitted
    user = login(outsider)
    assert user.get(f"/instances/{instance_id}").status_code == 404
    assert user.get(f"/tasks/{review_id}").status_code == 404
    assert user.get(evidence).status_code == 404
    assert user.post(f"/tasks/{review_id}", data={"review_decision": "accept"}).status_code == 404
    assert user.post(f"/tasks/{review_id}/claim").status_code == 404
    assert user.post(f"/tasks/{review_id}/unclaim").status_code == 404
    assert user.post(f"/applications/{application_id}/withdraw").status_code == 404
    assert review_id not in user.task_ids()


def test_overseers_see_but_cannot_act(app, login, submitted):
    instance_id, review_id, _evidence, _application_id = submitted
    county = login("county")
    assert county.get(f"/instances/{instance_id}").status_code == 200
    assert county.get(f"/tasks/{review_id}").status_code == 403
    assert county.post(f"/tasks/{review_id}", data={"review_decision": "accept"}).status_code == 403
    assert county.post(f"/tasks/{review_id}/claim").status_code == 403
    with app.app_context():
        assert db.session.get(HumanTask, review_id).state is TaskState.open


def test_the_applicant_cannot_review_their_own_application(app, login, submitted):
    _instance_id, review_id, _evidence, _application_id = submitted
    teacher = login("t001")
    assert teacher.post(f"/tasks/{review_id}", data={"review_decision": "accept"}).status_code == 403


def test_a_claimed_task_belongs_to_the_claimer(app, login, submitted):
    _instance_id, review_id, _evidence, _application_id = submitted
    with app.app_context():
        from webapp.demo import _user
        from webapp.models import Organisation, User
        from webapp.roles import Role

        school = db.session.query(Organisation).filter_by(code="530101-01").one()
        password_hash = db.session.query(User).filter_by(username="s1admin").one().password_hash
        _user("s1deputy", "副校长", Role.school_admin, school, password_hash)
        db.session.commit()
    admin, deputy = login("s1admin"), login("s1deputy")
    assert admin.post(f"/tasks/{review_id}/claim").status_code == 302
    assert deputy.post(f"/tasks/{review_id}/claim").status_code == 403
    assert deputy.post(f"/tasks/{review_id}", data={"review_decision": "accept"}).status_code == 403
    assert admin.post(f"/tasks/{review_id}/unclaim").status_code == 302
    assert deputy.post(f"/tasks/{review_id}/claim").status_code == 302


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
