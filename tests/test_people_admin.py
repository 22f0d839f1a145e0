"""Organisations and people on pages: the tree, users, role grants with their audit, deactivation
returning steps to the queues, temporary passwords, and who may do any of it (out of scope: 404)."""
from __future__ import annotations

import re

import pytest

from webapp.extensions import db

from .helpers import cycle_id_for, declaration, start_application, submit, task_id_in_inbox
from .people_support import org_id, user_id


@pytest.fixture
def two_counties(app, demo):
    from webapp.demo import add_second_county

    with app.app_context():
        add_second_county()
        db.session.commit()
    return demo


def test_county_office_builds_its_part_of_the_tree(app, two_counties, login):
    county = login("county")
    county_id = org_id(app, "530101")
    page = county.get("/admin/people/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "汉阴县第一中学" in html and "石泉县城关中学" not in html  # only its own county
    response = county.post(f"/admin/people/orgs/{county_id}/new", data={"name": "汉阴县新区小学", "code": "530101-99",
                                                                        "is_rural": "1", "teacher_headcount": "40"})
    assert response.status_code == 302
    new_id = org_id(app, "530101-99")
    from webapp.models import Organisation

    with app.app_context():
        school = db.session.get(Organisation, new_id)
        assert school.kind.value == "school" and school.is_rural and school.path.endswith(f"/{county_id}/{new_id}/")
    # Invalid input: the message next to the field, the input kept, nothing saved.
    response = county.post(f"/admin/people/orgs/{new_id}", data={"name": "", "code": "530101-01", "teacher_headcount": "x"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and "这个代码已被其他单位使用" in html and 'value="530101-01"' in html
    assert county.post(f"/admin/people/orgs/{new_id}", data={"name": "汉阴县新城小学", "code": "530101-99",
                                                             "teacher_headcount": "41"}).status_code == 302
    assert county.post(f"/admin/people/orgs/{new_id}/active", data={"active": "0"}).status_code == 302
    with app.app_context():
        school = db.session.get(Organisation, new_id)
        assert school.name == "汉阴县新城小学" and not school.active
    # A deactivated organisation takes nothing new below it.
    assert county.post(f"/admin/people/orgs/{new_id}/new", data={"name": "x", "code": "x1"}).status_code == 404


def test_moving_a_school_takes_its_subtree_and_stays_in_scope(app, two_counties, login):
    school_id, other_county = org_id(app, "530101-03"), org_id(app, "530102")
    county = login("county")
    # The county office cannot move a school into another county (not its own).
    response = county.post(f"/admin/people/orgs/{school_id}/move", data={"parent_id": other_county})
    assert response.status_code == 303
    city = login("city")
    assert city.post(f"/admin/people/orgs/{school_id}/move", data={"parent_id": other_county}).status_code == 302
    from webapp.models import Organisation

    with app.app_context():
        school = db.session.get(Organisation, school_id)
        assert school.parent_id == other_county and school.path.endswith(f"/{other_county}/{school_id}/")
    # Now outside 汉阴县: its office no longer sees it.
    assert county.get(f"/admin/people/orgs/{school_id}").status_code == 404
    assert login("sqcounty").get(f"/admin/people/orgs/{school_id}").status_code == 200


@pytest.mark.parametrize("username, status", [("t001", 404), ("s1admin", 404), ("s1c1", 404), ("sqcounty", 404),
                                              ("county", 200), ("city", 200), ("admin", 200)])
def test_organisation_pages_in_and_out_of_scope(app, two_counties, login, username, status):
    school_id = org_id(app, "530101-01")
    assert login(username).get(f"/admin/people/orgs/{school_id}").status_code == status


def test_create_user_with_temporary_password_forced_change(app, two_counties, login):
    county = login("county")
    school_id = org_id(app, "530101-02")
    bad = county.post("/admin/people/users/new", data={"username": "new_t", "display_name": "新教师",
                                                       "id_number": "610921198503040170", "role": "teacher",
                                                       "org_id": str(school_id)})
    assert bad.status_code == 422
    assert "身份证号无效" in bad.get_data(as_text=True) and 'value="new_t"' in bad.get_data(as_text=True)
    refused = county.post("/admin/people/users/new", data={"username": "new_o", "display_name": "x", "role": "county_office",
                                                           "org_id": str(org_id(app, "530101"))})
    assert refused.status_code == 422  # an overseeing role like its own: not the county office's to grant
    response = county.post("/admin/people/users/new", data={"username": "new_t", "display_name": "新教师",
                                                            "id_number": "61092119850304017X", "role": "teacher",
                                                            "org_id": str(school_id), "reason": "新入职"})
    assert response.status_code == 302
    flashed = county.get(response.headers["Location"]).get_data(as_text=True)
    password = re.search(r"临时密码[^:：]*[:：]\s*([A-Za-z0-9]{12})", flashed).group(1)
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "new_t", "password": password}).status_code == 302
    assert fresh.get("/inbox").headers["Location"].endswith("/admin/people/account")
    common = fresh.post("/admin/people/account/password", data={"current": password, "new": "password123", "repeat": "password123"})
    assert common.status_code == 422 and "太常见" in common.get_data(as_text=True)
    short = fresh.post("/admin/people/account/password", data={"current": password, "new": "Ab1", "repeat": "Ab1"})
    assert short.status_code == 422
    good = fresh.post("/admin/people/account/password", data={"current": password, "new": "汉阴-maths-2026", "repeat": "汉阴-maths-2026"})
    assert good.status_code == 302
    assert fresh.get("/inbox").status_code == 200


def test_grants_and_revokes_are_audited_with_reason(app, two_counties, login):
    from webapp.people.models import RoleGrantEvent

    county = login("county")
    t001 = user_id(app, "t001")
    school_id = org_id(app, "530101-01")
    no_reason = county.post(f"/admin/people/users/{t001}/roles", data={"role": "school_committee", "org_id": school_id})
    assert no_reason.status_code == 422
    assert county.post(f"/admin/people/users/{t001}/roles", data={"role": "school_committee", "org_id": school_id,
                                                                  "reason": "增补评委"}).status_code == 302
    from webapp.models import RoleAssignment

    with app.app_context():
        assignment = db.session.query(RoleAssignment).filter_by(user_id=t001, role="school_committee").one()
        assignment_id = assignment.id
    assert county.post(f"/admin/people/users/{t001}/roles/{assignment_id}/revoke", data={"reason": "任期结束"}).status_code == 302
    with app.app_context():
        events = [(e.action, e.reason, e.actor_id) for e in db.session.query(RoleGrantEvent).filter_by(user_id=t001)
                  .order_by(RoleGrantEvent.id)]
    assert events == [("grant", "增补评委", user_id(app, "county")), ("revoke", "任期结束", user_id(app, "county"))]
    page = county.get(f"/admin/people/users/{t001}").get_data(as_text=True)
    assert "增补评委" in page and "任期结束" in page
    # Another county's office and a school administrator may not grant here.
    assert login("sqcounty").post(f"/admin/people/users/{t001}/roles", data={
        "role": "school_committee", "org_id": school_id, "reason": "x"}).status_code == 404
    assert login("s1admin").post(f"/admin/people/users/{t001}/roles", data={
        "role": "school_committee", "org_id": school_id, "reason": "x"}).status_code == 404


def test_school_admin_edits_only_its_teachers_profiles(app, two_counties, login):
    s1admin = login("s1admin")
    t001, t002, member = user_id(app, "t001"), user_id(app, "t002"), user_id(app, "s1c1")
    page = s1admin.get(f"/admin/people/users/{t001}")
    assert page.status_code == 200 and 'id="grant-form"' not in page.get_data(as_text=True)
    data = {"school_id": org_id(app, "530101-01"), "gender": "female", "birth_date": "1985-03-04",
            "teaching_start_date": "2007-09-01", "professional_title": "senior", "education": "master", "subject": "physics"}
    assert s1admin.post(f"/admin/people/users/{t001}/profile", data=data).status_code == 302
    bad = s1admin.post(f"/admin/people/users/{t001}/profile", data={**data, "birth_date": "1985-13-04"})
    assert bad.status_code == 422 and 'value="1985-13-04"' in bad.get_data(as_text=True)
    assert s1admin.post(f"/admin/people/users/{t001}/profile", data={**data, "school_id": org_id(app, "530101-02")}).status_code == 422
    assert s1admin.get(f"/admin/people/users/{t002}").status_code == 404  # a teacher of another school
    assert s1admin.get(f"/admin/people/users/{member}").status_code == 404  # a colleague with another role
    assert s1admin.post(f"/admin/people/users/{t001}").status_code == 404  # account facts: managers only
    from webapp.models import TeacherProfile

    with app.app_context():
        assert db.session.query(TeacherProfile.subject).filter_by(user_id=t001).scalar() == "physics"


def test_deactivation_returns_claimed_steps_and_tells_the_office(app, two_counties, login):
    from webapp.models import HumanTask, Notification, NotificationKind

    teacher = login("t001")
    assert submit(teacher, start_application(teacher, cycle_id_for(app, "backbone", "t001")), declaration()).status_code == 302
    s1admin = login("s1admin")
    task_id = task_id_in_inbox(s1admin, "学校审核申报")
    assert s1admin.post(f"/tasks/{task_id}/claim").status_code == 302
    county = login("county")
    admin_id = user_id(app, "s1admin")
    assert county.post(f"/admin/people/users/{admin_id}/deactivate", data={"reason": ""}).status_code == 422
    response = county.post(f"/admin/people/users/{admin_id}/deactivate", data={"reason": "调离本校"})
    assert response.status_code == 302
    with app.app_context():
        task = db.session.get(HumanTask, task_id)
        assert task.assignee_id is None and task.state.value == "open"
        notes = db.session.query(Notification).filter_by(kind=NotificationKind.deactivated).all()
        assert [n.user_id for n in notes] == [user_id(app, "county")]
        assert notes[0].params["returned"] == 1
    assert app.test_client().post("/login", data={"username": "s1admin", "password": "demo1234"}).status_code == 401
    assert task_id in login("s1deputy").task_ids() if _has_deputy(app) else True
    assert "调离本校" in county.get(f"/instances/{_instance_of(app, task_id)}").get_data(as_text=True)


def _has_deputy(app) -> bool:
    return user_id(app, "s1deputy") is not None


def _instance_of(app, task_id: int) -> int:
    from webapp.models import HumanTask

    with app.app_context():
        return db.session.get(HumanTask, task_id).instance_id


def test_user_list_is_scoped(app, two_counties, login):
    html = login("county").get("/admin/people/users?q=q00").get_data(as_text=True)
    assert "q001" not in html  # 石泉县's teachers are not listed for 汉阴县
    html = login("sqcounty").get("/admin/people/users").get_data(as_text=True)
    assert "q001" in html and "t001" not in html
    assert login("t001").get("/admin/people/users").status_code == 404
