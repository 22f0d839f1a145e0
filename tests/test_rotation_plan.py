"""The annual rotation plan over HTTP, walked in order on one shared set-up (module scope):
due lists with reasons → matching (valid for every rule, checked here without the solver) → a manual
move refused with the rule named → confirmation with a problem → re-confirmation → approval →
start timer (the managing school moves) → end timer (it returns, the history keeps the rotation)."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Posting, PostingKind, RoleAssignment, TeacherProfile, User
from webapp.processes.rotation_plan.models import PlanQuota, PlanStatus, Rotation, RotationPlan, RotationStatus
from webapp.roles import Role

from .helpers import reach_timers, submit
from .rotation_support import build, empty_database, keep_database, sessions, task_ids

clean_database = keep_database  # this module shares one set-up; emptied at its end


@pytest.fixture(scope="module")
def plan(app):
    """The demo plan, waiting for the county office to match (ids as plain values)."""
    build(app, with_plan=True)
    with app.app_context():
        row = db.session.scalar(select(RotationPlan))
        ids = {"id": row.id, "instance": row.instance_id, "county": row.county_id}
    yield ids  # outside the app context: each request must get its own (and its own language)
    empty_database(app)


@pytest.fixture(scope="module")
def login(app, plan):
    return sessions(app)


def _rotations(app, plan_id: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(Rotation).filter_by(plan_id=plan_id).order_by(Rotation.id)).all()
        return [{"id": r.id, "user": r.user.username, "form": r.form, "sending": r.sending_school,
                 "receiving": r.receiving_school, "status": r.status} for r in rows]


def _status(app, plan_id: int) -> PlanStatus:
    with app.app_context():
        return db.session.get(RotationPlan, plan_id).status


def test_due_lists_give_each_person_the_reason_in_their_language(app, plan, login):
    county = login("county")
    page = county.get(f"/rotation/plans/{plan['id']}/due").get_data(as_text=True)
    row = page.split('data-user="s1admin"', 1)[1].split("</tr>", 1)[0]
    assert "在本校连续担任校长已满 12 个学年" in row
    assert 'data-user="r0403"' in page and "连续担任副校长已满 16 个学年" in page
    assert 'data-user="s2admin"' not in page  # principal for 4 years only
    english = county.get(f"/rotation/plans/{plan['id']}/due?lang=en").get_data(as_text=True)
    assert "Principal of this school for 12 consecutive school years" in english
    assert "连续担任" not in english

    teacher = login("t001").get("/rotation/").get_data(as_text=True)
    mine = teacher.split('id="my-rotation"', 1)[1]
    assert "拟申报高级教师职称" in mine and "1 年及以上" in mine
    assert "在本校连续担任校长" not in mine  # only their own reasons
    school = login("s1admin").get(f"/rotation/plans/{plan['id']}/schools/4").get_data(as_text=True)
    assert "名师或骨干教师" in school  # t004's backbone title: pairing


@pytest.mark.parametrize("username,url", [
    ("sqcounty", "/rotation/plans/{id}"), ("sqcounty", "/rotation/plans/{id}/due"),
    ("sqcounty", "/rotation/plans/{id}/matching"), ("sqcounty", "/rotation/history/schools/4"),
    ("s1admin", "/rotation/plans/{id}/schools/5"), ("s1admin", "/rotation/plans/{id}/matching"),
    ("t001", "/rotation/plans/{id}/due"), ("t001", "/rotation/history"),
])
def test_out_of_scope_is_404(app, plan, login, username, url):
    if username == "sqcounty":
        _other_county(app)
    assert login(username).get(url.format(id=plan["id"])).status_code == 404


def _other_county(app) -> None:
    """石泉县 beside the demo's county, with its own county office `sqcounty`."""
    from webapp.demo import add_second_county

    with app.app_context():
        if db.session.scalar(select(User).filter_by(username="sqcounty")) is None:
            add_second_county()
            db.session.commit()


def test_matching_meets_every_rule_checked_without_the_solver(app, plan, login):
    county = login("county")
    response = county.post(f"/rotation/plans/{plan['id']}/matching")
    assert response.status_code == 302
    rotations = _rotations(app, plan["id"])
    assert len(rotations) == 8 and all(r["receiving"] is not None for r in rotations)
    with app.app_context():
        quotas = {(q.school_id, q.form): q.receives for q in db.session.scalars(select(PlanQuota).filter_by(plan_id=plan["id"]))}
        from webapp.models import StaffingNeed
        surplus = {(n.school_id, n.subject) for n in db.session.scalars(select(StaffingNeed)) if n.balance < 0}
        subjects = {p.user.username: p.subject for p in db.session.scalars(select(TeacherProfile))}
    used = Counter()
    for r in rotations:
        sending, receiving = r["sending"], r["receiving"]
        assert receiving.id != sending.id and receiving.parent_id == sending.parent_id
        used[(receiving.id, r["form"])] += 1
        if r["form"] == "support":
            assert not sending.is_rural and receiving.is_rural, r
        elif r["form"] == "exchange":
            assert receiving.id == sending.paired_school_id or sending.id == receiving.paired_school_id, r
        elif r["form"] == "secondment":
            assert (sending.id, subjects[r["user"]]) in surplus and receiving.is_weak, r
        elif r["form"] == "group":
            assert sending.school_group and sending.school_group == receiving.school_group, r
        elif r["form"] == "district":
            assert sending.supervision_district == receiving.supervision_district, r
    assert all(count <= quotas.get(key, 0) for key, count in used.items()), used
    page = county.get(f"/rotation/plans/{plan['id']}/matching").get_data(as_text=True)
    assert "符合该形式的规则" in page or "meets the rule" in page


def test_a_manual_move_that_breaks_a_rule_is_refused_with_the_rule_named(app, plan, login):
    county = login("county")
    support = next(r for r in _rotations(app, plan["id"]) if r["form"] == "support")
    urban = support["sending"].id + 0
    with app.app_context():
        from webapp.models import Organisation
        urban = db.session.scalar(select(Organisation.id).where(Organisation.code == "530101-02"))
    response = county.post(f"/rotation/plans/{plan['id']}/rotations/{support['id']}/move", data={"school_id": urban})
    assert response.status_code == 422
    assert "支教" in response.get_data(as_text=True) or "urban school to a rural school" in response.get_data(as_text=True)
    assert next(r for r in _rotations(app, plan["id"]) if r["id"] == support["id"])["receiving"].id == support["receiving"].id
    same = county.post(f"/rotation/plans/{plan['id']}/rotations/{support['id']}/move",
                       data={"school_id": support["sending"].id})
    assert same.status_code == 422


def test_confirmation_problem_reconfirmation_approval_and_the_period(app, plan, login):
    county = login("county")
    [match_task] = task_ids(county, "匹配接收学校")
    assert submit(county, match_task, {"matching_final": "true"}).status_code == 302
    assert _status(app, plan["id"]) is PlanStatus.confirming
    rotations = _rotations(app, plan["id"])
    involved = {r["sending"].code for r in rotations} | {r["receiving"].code for r in rotations}
    admins = {f"s{int(code[-2:])}admin" for code in involved}
    # A school not involved has nothing to confirm.
    outside = {f"s{n}admin" for n in range(1, 9)} - admins
    assert outside and all(not task_ids(login(admin), "学校确认交流安排") for admin in outside), (admins, {
        admin: task_ids(login(admin), "学校确认交流安排") for admin in outside})
    problem_school = sorted(admins)[0]
    others = sorted(admins - {problem_school})
    for admin in others:
        [task] = task_ids(login(admin), "学校确认交流安排")
        page = login(admin).get(f"/tasks/{task}").get_data(as_text=True)
        assert 'id="school-placements"' in page
        assert submit(login(admin), task, {"response.decision": "confirm"}).status_code == 302
    [task] = task_ids(login(problem_school), "学校确认交流安排")
    refused = submit(login(problem_school), task, {"response.decision": "problem", "response.problem": ""})
    assert refused.status_code == 422  # a problem needs its description
    assert submit(login(problem_school), task, {"response.decision": "problem",
                                                "response.problem": "我校派出教师家庭困难，请调整接收学校。"}).status_code == 302
    assert _status(app, plan["id"]) is PlanStatus.matching
    page = county.get(f"/rotation/plans/{plan['id']}/matching").get_data(as_text=True)
    assert "我校派出教师家庭困难" in page

    # Nothing changed: sending it again asks only the school that raised the problem.
    [match_task] = task_ids(county, "匹配接收学校")
    assert submit(county, match_task, {"matching_final": "true"}).status_code == 302
    assert all(not task_ids(login(admin), "学校确认交流安排") for admin in others)
    [task] = task_ids(login(problem_school), "学校确认交流安排")
    assert submit(login(problem_school), task, {"response.decision": "confirm"}).status_code == 302
    assert _status(app, plan["id"]) is PlanStatus.approval

    [approve] = task_ids(county, "审批交流计划")
    assert submit(county, approve, {"approval_decision": "approve"}).status_code == 302
    assert _status(app, plan["id"]) is PlanStatus.published

    teacher = next(r for r in _rotations(app, plan["id"]) if r["user"] == "t001")
    home, away = teacher["sending"].id, teacher["receiving"].id
    principal = next(r for r in _rotations(app, plan["id"]) if r["user"] == "s1admin")
    assert principal["receiving"] is not None and principal["receiving"].id != principal["sending"].id
    assert _admin_schools(app, "s1admin") == {principal["sending"].id}
    assert reach_timers(app, plan["instance"]) == 1
    assert _status(app, plan["id"]) is PlanStatus.running
    assert _teacher_school(app, "t001") == (away, away)
    # The principal leads the receiving school for the period: its inbox and its pages are theirs now.
    assert _admin_schools(app, "s1admin") == {principal["receiving"].id}
    assert login("s1admin").get(f"/rotation/plans/{plan['id']}/schools/{principal['receiving'].id}").status_code == 200
    assert login("s1admin").get(f"/rotation/plans/{plan['id']}/schools/{principal['sending'].id}").status_code == 404
    placed = login("t001").get("/rotation/").get_data(as_text=True)
    assert 'id="my-placement"' in placed and teacher["receiving"].name in placed

    assert reach_timers(app, plan["instance"]) == 1
    assert _status(app, plan["id"]) is PlanStatus.finished
    assert _teacher_school(app, "t001") == (home, home)
    assert _admin_schools(app, "s1admin") == {principal["sending"].id}
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username="t001"))
        kept = db.session.scalar(select(Posting).filter_by(user_id=user.id, kind=PostingKind.rotation))
        assert kept.school_id == away and kept.end_date is not None and not kept.personnel_moved
        assert db.session.get(Rotation, teacher["id"]).status is RotationStatus.completed


def _admin_schools(app, username: str) -> set[int]:
    """Schools where the person holds the school administrator's role."""
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        return set(db.session.scalars(select(RoleAssignment.org_id).filter_by(user_id=user.id, role=Role.school_admin)))


def _teacher_school(app, username: str) -> tuple[int, int]:
    """(school of the teacher role, school of the profile)."""
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        role = db.session.scalar(select(RoleAssignment.org_id).filter_by(user_id=user.id, role=Role.teacher))
        return role, db.session.scalar(select(TeacherProfile.school_id).filter_by(user_id=user.id))


def _statements(app, session, url: str) -> int:
    """SQL statements one GET issues (the page's own work, login included)."""
    from sqlalchemy import event

    count = [0]

    def counted(*_args):
        count[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        assert session.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count[0]


def test_the_county_pages_read_a_fixed_number_of_statements(app, plan, login):
    """Pinned: rows are loaded in batches, so the count does not grow with the plan (no N+1)."""
    county = login("county")
    assert _statements(app, county, f"/rotation/plans/{plan['id']}/matching") == 12
    assert _statements(app, county, f"/rotation/plans/{plan['id']}/due") == 8
    # 26 since the per-process user cache (migration 0026), was 25: s1admin's roles were moved by the
    # rotation test above, so this request finds the process's copy of the user stale and sends the
    # stamp and the reload (a known user sends the stamp only, a user never seen the load only).
    assert _statements(app, login("s1admin"), f"/rotation/plans/{plan['id']}/schools/4") == 26
