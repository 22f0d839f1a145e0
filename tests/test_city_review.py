"""The city-level review over HTTP: its pool is the active county titles of the city's counties.

Two county offices import holders of county titles from before the system (a real .xlsx written by
openpyxl, through the import pages and the background job); then the city office opens the
municipal backbone call and the review runs the county review's diagram at city level: materials
check (the title and profile instead of a declaration), the city's research staff, the city's
experts' score sheets, ranking, the city's leading group, the notice with an objection the city
office upholds, and the result — the city's formal candidates. Titles that are revoked, of another category, of another city, or of someone
who already holds the municipal title stay out of the pool. One setup is shared by the module.
"""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import HumanTask, Organisation, OrgKind, TaskState, TitleHolding, User
from webapp.processes.county_review import results
from webapp.processes.county_review.models import ReviewCandidate, ReviewCandidateStatus, ReviewRound, ReviewStatus
from webapp.roles import Role

from .conftest import Session, empty_database, logged_in_sessions
from .helpers import counting, reach_timers

POOL = ["q001", "q002", "t001", "t004", "t007"]
TOTALS = {"t001": 90, "t007": 85, "q001": 80, "t004": 70}  # each expert gives the candidate this total


@pytest.fixture(autouse=True)
def clean_database():
    """The module shares one setup (see `city`), emptied once at the end."""
    yield


@pytest.fixture(scope="module")
def city(app):
    """The demo's city with two counties, the city's review staff and call; outside it another city
    whose county has a holder of the same title; t016 of 汉阴县 already holds the municipal title."""
    from webapp import register
    from webapp.demo import add_second_county, build_demo
    from webapp.demo_city import city_call, city_staff
    import random

    from werkzeug.security import generate_password_hash

    from webapp.demo import DEMO_PASSWORD, _org, _profile, _user

    with app.test_request_context():
        build_demo()
        add_second_county()
        town = db.session.scalar(select(Organisation).filter_by(kind=OrgKind.city))
        city_staff(town)
        cycle = city_call(town)
        province = town.parent
        other_city = _org(OrgKind.city, "他市", "5302", province)
        other_county = _org(OrgKind.county, "他县", "530201", other_city)
        school = _org(OrgKind.school, "他县一中", "530201001", other_county, teacher_headcount=50)
        outsider = _user("x001", "外市教师", Role.teacher, school, generate_password_hash(DEMO_PASSWORD))
        _profile(outsider, school, random.Random(1), date.today())
        t016 = db.session.scalar(select(User).filter_by(username="t016"))
        db.session.flush()
        today = date.today()
        register.confer(user_id=outsider.id, level="county", category="backbone", conferred_on=today,
                        term_years=5, subject="mathematics", org_id=school.id, county_id=other_county.id,
                        certificate_no="TX-001")
        hanyin = db.session.scalar(select(Organisation).filter_by(code="530101"))
        for level in ("county", "city"):
            register.confer(user_id=t016.id, level=level, category="backbone", conferred_on=today, term_years=5,
                            subject="mathematics", org_id=t016.profile.school_id, county_id=hanyin.id,
                            certificate_no=f"T016-{level}")
        db.session.commit()
        ids = {"city": town.id, "cycle": cycle.id, "hanyin": hanyin.id,
               "shiquan": db.session.scalar(select(Organisation.id).filter_by(code="530102"))}
    yield ids
    empty_database(app)


@pytest.fixture(scope="module")
def sessions(app, city):
    """One logged-in browser session per user, made on first use."""
    return logged_in_sessions(app)


def _xlsx(rows: list[list]) -> io.BytesIO:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _names(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(User.username, User.display_name)).all())


def _import(app, office: Session, county_id: int, rows: list[list]) -> None:
    """Upload a holders sheet through the import page, wait for the check, apply it, wait again."""
    from webapp.people.importing.jobs import wait

    base = f"/conferral/register/{county_id}/import"
    header = ["用户名", "姓名", "层级", "类别", "学科", "证书编号", "授予日期", "有效期至", "月津贴（元）"]
    columns = ["username", "name", "level", "category", "subject", "certificate_no", "conferred_on", "valid_until",
               "allowance_monthly"]
    response = office.post(base, data={"sheet": (_xlsx([header, columns, *rows]), "holders.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    job_url = response.headers["Location"]
    job_id = int(job_url.rstrip("/").rsplit("/", 1)[1])
    wait(app, job_id)
    assert 'data-status="checked"' in office.get(job_url).get_data(as_text=True)
    assert office.post(f"{job_url}/apply").status_code == 302
    wait(app, job_id)
    assert 'data-status="applied"' in office.get(job_url).get_data(as_text=True)


def _review(app) -> ReviewRound:
    with app.app_context():
        review = db.session.scalar(select(ReviewRound))
        db.session.expunge(review)
        return review


def _candidates(app) -> dict[str, ReviewCandidate]:
    with app.app_context():
        out = {}
        for row in db.session.scalars(select(ReviewCandidate)):
            out[row.teacher.username] = row
            db.session.expunge(row)
        return out


def _open_task(app, step: str, assignee: str | None = None) -> HumanTask:
    with app.app_context():
        query = select(HumanTask).filter_by(task_name=step, state=TaskState.open)
        if assignee:
            query = query.join(User, User.id == HumanTask.assignee_id).where(User.username == assignee)
        task = db.session.scalars(query.order_by(HumanTask.id)).first()
        assert task is not None, f"no open step {step} for {assignee}"
        db.session.expunge(task)
        return task


# -- 1. the counties import their earlier holders --------------------------------------------------

def test_county_offices_import_holders_from_excel(app, city, sessions):
    names = _names(app)
    year = date.today().year
    since, until = f"{year - 2}-09-01", f"{year + 3}-09-01"
    _import(app, sessions("county"), city["hanyin"], [
        ["t001", names["t001"], "county", "backbone", "mathematics", "HY-OLD-001", since, until, 300],
        ["t004", names["t004"], "县级", "骨干教师", "mathematics", "HY-OLD-002", since, until, ""],
        ["t007", names["t007"], "county", "backbone", "chinese", "HY-OLD-003", since, until, 300],
        ["t010", names["t010"], "county", "backbone", "chinese", "HY-OLD-004", since, until, 300],
        ["t013", names["t013"], "county", "academic_leader", "chinese", "HY-OLD-005", since, until, 300],
    ])
    _import(app, sessions("sqcounty"), city["shiquan"], [
        ["q001", names["q001"], "county", "backbone", "mathematics", "SQ-OLD-001", since, until, 300],
        ["q002", names["q002"], "county", "backbone", "chinese", "SQ-OLD-002", since, until, 300],
    ])
    from webapp import register

    with app.test_request_context():
        imported = db.session.scalars(select(TitleHolding).where(TitleHolding.source == "import")).all()
        assert sorted(t.holder.username for t in imported) == ["q001", "q002", "t001", "t004", "t007", "t010", "t013"]
        # t010's title is revoked since (a failed annual review): no longer in any pool.
        t010 = next(t for t in imported if t.holder.username == "t010")
        register.revoke(t010, date.today(), "年度考核不合格。")
        db.session.commit()


# -- 2. the city office opens the municipal call on the register's pool ------------------------------

def test_only_the_city_office_opens_the_municipal_call(app, city, sessions):
    url = f"/review/offices/{city['city']}/cycles/{city['cycle']}"
    places = {"places_mode": "absolute", "places_value": "2"}
    # The county offices do not see the municipal call and cannot open it (one code: 404).
    assert f'data-cycle-id="{city["cycle"]}"' not in sessions("county").get("/review/").get_data(as_text=True)
    for username in ("county", "sqcounty", "leader", "cityexpert1", "t001"):
        assert sessions(username).post(url, data=places).status_code == 404, username
    # A pool from the register does not open itself at a schools' reporting deadline.
    scheduled = sessions("city").post(f"{url}/opening", data={"report_deadline": date.today().replace(day=28)
                                                              .isoformat(), **places})
    assert scheduled.status_code == 409

    page = sessions("city").get("/review/").get_data(as_text=True)
    call = page.split(f'data-cycle-id="{city["cycle"]}"', 1)[1].split("</article>", 1)[0]
    assert "市级骨干教师" in call and "共有 5 名" in call and "尚未报送" not in call
    assert sessions("city").post(url, data=places).status_code == 302
    candidates = _candidates(app)
    assert sorted(candidates) == POOL     # not t010 (revoked), t013 (other category), t016 (holds it), x001
    with app.app_context():
        titles = dict(db.session.execute(select(TitleHolding.certificate_no, TitleHolding.id)).all())
    assert {c.source for c in candidates.values()} == {"title"}
    assert all(c.application_id is None for c in candidates.values())
    assert candidates["t001"].source_id == titles["HY-OLD-001"] and candidates["q002"].source_id == titles["SQ-OLD-002"]
    assert candidates["q001"].subject == "mathematics" and candidates["t001"].level == "city"
    assert sessions("city").post(url, data=places).status_code == 409   # open already


def test_the_steps_fall_to_the_city_and_outsiders_get_404(app, city, sessions):
    review = _review(app)
    materials = _open_task(app, "materials_check")
    assert (materials.role, materials.org_id) == (Role.city_office, city["city"])
    for username in ("county", "sqcounty", "leader", "t001"):
        assert sessions(username).get(f"/review/{review.id}").status_code == 404, username
        assert sessions(username).get(f"/tasks/{materials.id}").status_code == 404, username
    assert sessions("cityleader").get(f"/review/{review.id}").status_code == 200


# -- 3. materials: the title and the holder's profile instead of a declaration ------------------------

def test_materials_show_the_title_held_and_one_is_rejected(app, city, sessions):
    office = sessions("city")
    task = _open_task(app, "materials_check")
    with counting(app) as seen:
        page = office.get(f"/tasks/{task.id}").get_data(as_text=True)
    # Every candidate's title, holder, profile, events and assessments in one query each, not per
    # candidate (a city's pool holds hundreds of holders).
    title_reads = [s for s in seen if re.search(r"FROM title_holding\b", s)]
    assert len(title_reads) == 1 and len(POOL) > 2, [s.split(chr(10))[0][:120] for s in title_reads]
    assert len([s for s in seen if re.search(r"FROM title_event\b", s)]) == 1
    assert page.count("称号及个人情况") == len(POOL) and "HY-OLD-001" in page and "SQ-OLD-002" in page
    assert "县级骨干教师" in page and "职称" in page and "申报表和证明材料" not in page
    # In English: the title and profile labels are translated; only people's data stays Chinese.
    from .english_scan import chinese_left, user_entered_values

    english = Session(app, "city")
    english.post("/language", data={"lang": "en", "next": "/"})
    page = english.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert page.count("Title held and profile") == len(POOL) and "Professional title" in page
    with app.app_context():
        assert chinese_left(page, user_entered_values()) == []
    english.post("/language", data={"lang": "zh_Hans_CN", "next": "/"})
    candidates = _candidates(app)
    for username in POOL:
        decision = {"decision": "reject", "note": "近五年年度考核无优秀等次，不符合市级条件。"} if username == "q002" \
            else {"decision": "accept"}
        response = office.post(f"/review/tasks/{task.id}/candidates/{candidates[username].id}/materials", data=decision)
        assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    assert office.post(f"/review/tasks/{task.id}/finish-materials").status_code == 302
    assert _candidates(app)["q002"].status is ReviewCandidateStatus.rejected


# -- 4. the city's research staff (mathematics only), panels and the city's experts -------------------

def test_city_research_staff_and_experts_score(app, city, sessions):
    candidates = _candidates(app)
    opinion = _open_task(app, "research_opinion", "cityresearch")
    assert opinion.org_id == city["city"]
    page = sessions("cityresearch").get(f"/tasks/{opinion.id}").get_data(as_text=True)
    shown = {int(x) for x in re.findall(r'data-candidate-id="(\d+)"', page)}
    assert shown == {candidates[u].id for u in ("t001", "t004", "q001")}   # mathematics; chinese has no staff
    data = {}
    for username in ("t001", "t004", "q001"):
        data[f"opinion-{candidates[username].id}"] = "recommend"
        data[f"comment-{candidates[username].id}"] = "课堂教学扎实，辐射作用明显。"
    assert sessions("cityresearch").post(f"/review/tasks/{opinion.id}/opinions", data=data).status_code == 302

    confirm = _open_task(app, "confirm_assignment")
    assert sessions("city").post(f"/review/tasks/{confirm.id}/confirm-assignment").status_code == 302
    with app.app_context():
        experts = set(db.session.scalars(select(User.username).join(HumanTask, HumanTask.assignee_id == User.id)
                                         .where(HumanTask.task_name == "expert_scoring")))
    assert experts == {"cityexpert1", "cityexpert2", "cityexpert3"}     # the city's, not the county's
    for expert in sorted(experts):
        task = _open_task(app, "expert_scoring", expert)
        sheet = sessions(expert).get(f"/tasks/{task.id}").get_data(as_text=True)
        assert "HY-OLD-001" in sheet and "称号及个人情况" in sheet
        scores = {}
        for username, total in TOTALS.items():
            cid = candidates[username].id
            teaching, research = total * 4 // 10, total * 3 // 10
            scores.update({f"score-{cid}-teaching": teaching, f"score-{cid}-research": research,
                           f"score-{cid}-growth": total - teaching - research})
        response = sessions(expert).post(f"/review/tasks/{task.id}/scores", data=scores)
        assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    ranked = {u: (c.status.value, c.rank, c.final_score) for u, c in _candidates(app).items()}
    assert ranked["t001"] == ("formal", 1, 90.0) and ranked["t007"] == ("formal", 2, 85.0)
    assert ranked["q001"][:2] == ("reserve", 3) and ranked["t004"][0] == "not_selected"


# -- 5. the city's leading group, the notice and the result -----------------------------------------

def test_the_city_leading_group_approves_and_the_result_is_the_citys_formal_candidates(app, city, sessions):
    office, leader = sessions("city"), sessions("cityleader")
    propose = _open_task(app, "propose_list")
    assert propose.role is Role.city_office
    assert office.post(f"/tasks/{propose.id}", data={"proposal_note": "按得分排序。"}).status_code == 302
    approve = _open_task(app, "approve_list")
    assert (approve.role, approve.org_id) == (Role.county_leader, city["city"])
    assert sessions("leader").get(f"/tasks/{approve.id}").status_code == 404      # 汉阴县's leading group
    assert leader.post(f"/tasks/{approve.id}", data={"approval_decision": "approve",
                                                     "approval_comment": "同意公示。"}).status_code == 302
    review = _review(app)
    assert review.status is ReviewStatus.notice
    names = _names(app)
    # The notice is public in the city: teachers of both counties read it; the other city's do not.
    for username in ("t001", "q001", "sqcounty"):
        notice = sessions(username).get(f"/review/{review.id}/notice")
        assert notice.status_code == 200, username
    listed = sessions("q002").get(f"/review/{review.id}/notice").get_data(as_text=True)
    listed = listed.split('id="notice-list"', 1)[1].split("</table>", 1)[0]
    assert names["t001"] in listed and names["t007"] in listed and names["q001"] not in listed
    assert sessions("x001").get(f"/review/{review.id}/notice").status_code == 404


    # A teacher of the other county objects to t007; the city office investigates and upholds it:
    # t007 leaves the notice and the head of the reserve list (q001) moves up.
    objection = sessions("q002").post(f"/review/{review.id}/objections", content_type="multipart/form-data", data={
        "candidate": str(_candidates(app)["t007"].id), "reason": "该教师近五年未承担市级公开课，请核实。"})
    assert objection.status_code == 302, objection.get_data(as_text=True)[-800:]
    step = _open_task(app, "investigate_office")
    assert (step.role, step.org_id) == (Role.city_office, city["city"])
    assert sessions("county").get(f"/tasks/{step.id}").status_code == 404
    upheld = office.post(f"/tasks/{step.id}", content_type="multipart/form-data", data={
        "objection_decision": "upheld", "objection_reply": "经核实，异议属实，取消其正式候选人资格。"})
    assert upheld.status_code == 302, upheld.get_data(as_text=True)[-800:]

    reach_timers(app, review.instance_id)
    assert _review(app).status is ReviewStatus.done
    with app.app_context():
        formal = [c.teacher.username for c in results.formal_candidates(city["cycle"])]
        reserve = [c.teacher.username for c in results.reserve_list(city["cycle"])]
    assert formal == ["t001", "q001"] and reserve == []
    assert _candidates(app)["t007"].status is ReviewCandidateStatus.removed
    result = office.get(f"/review/{review.id}").get_data(as_text=True)
    assert "正式候选人" in result and names["t001"] in result and names["q001"] in result


def test_candidates_from_the_register_see_where_they_stand_on_my_applications(app, city, sessions):
    """No application of theirs: 我的申报 lists the review they are in through their title, with the
    stage, the notice and no withdraw button once the review is ranked."""
    review = _review(app)
    for username, stage in (("t001", "正式候选人"), ("q002", "资格复审未通过: 近五年年度考核无优秀等次"),
                            ("t007", "因异议核实从公示名单中移除"), ("t004", "评审未入选")):
        page = sessions(username).get("/applications/").get_data(as_text=True)
        section = page.split('id="candidacies"', 1)[1].split("</section>", 1)[0]
        assert "市级骨干教师" in section and "县级骨干教师" in section and stage in section, (username, section)
        assert f"/review/{review.id}/notice" in section and "退出评审" not in section
    # A teacher of the city outside the pool has no such section.
    assert 'id="candidacies"' not in sessions("t002").get("/applications/").get_data(as_text=True)
    english = Session(app, "t001")
    english.post("/language", data={"lang": "en", "next": "/"})
    page = english.get("/applications/").get_data(as_text=True)
    assert "Reviews you take part in through a title you hold" in page and "Formal candidate" in page


def test_the_city_review_in_english(app, city, sessions):
    """The city's review, its list of calls and its notice in English: no Chinese but people's data."""
    from .english_scan import chinese_left, user_entered_values

    office = Session(app, "city")
    office.post("/language", data={"lang": "en", "next": "/review/"})
    from webapp.processes.county_review.models import ReviewEvent

    review = _review(app)
    with app.app_context():
        # What people typed in the review (reasons, comments) is their data, like names.
        typed = set(user_entered_values()) | {c for c in db.session.scalars(select(ReviewEvent.comment)) if c} \
            | {c for c in db.session.scalars(select(ReviewCandidate.opinion_comment)) if c} \
            | {c for c in db.session.scalars(select(ReviewRound.leader_comment)) if c} \
            | {"该教师近五年未承担市级公开课，请核实。", "经核实，异议属实，取消其正式候选人资格。"}
    for url in (f"/review/{review.id}", "/review/", f"/review/{review.id}/notice"):
        response = office.get(url)
        assert response.status_code == 200, url
        assert chinese_left(response.get_data(as_text=True), sorted(typed, key=len, reverse=True)) == [], url
    assert "Public notice" in office.get(f"/review/{review.id}").get_data(as_text=True)
    office.post("/language", data={"lang": "zh_Hans_CN", "next": "/review/"})


def test_the_city_office_grants_its_review_roles(app, city, sessions):
    """The city office makes a teacher of its area an expert of the city; an office role it may not grant,
    and a county office may not grant anything at the city."""
    from webapp.models import RoleAssignment

    with app.app_context():
        teacher_id = db.session.scalar(select(User.id).filter_by(username="t040"))
    url = f"/admin/people/users/{teacher_id}/roles"
    reason = {"reason": "聘为市级评审专家。"}
    office = sessions("city")
    assert office.post(url, data={"role": "expert", "org_id": str(city["city"]), **reason}).status_code == 302
    refused = office.post(url, data={"role": "city_office", "org_id": str(city["city"]), **reason})
    assert refused.status_code == 422
    with app.app_context():
        t001 = db.session.scalar(select(User.id).filter_by(username="t001"))
    by_county = sessions("county").post(f"/admin/people/users/{t001}/roles",
                                        data={"role": "expert", "org_id": str(city["city"]), **reason})
    assert by_county.status_code == 422   # its own teacher, but not its organisation to grant at
    with app.app_context():
        held = set(db.session.execute(select(RoleAssignment.role, RoleAssignment.org_id)
                                      .where(RoleAssignment.user_id == teacher_id)).all())
        county_grant = db.session.scalar(select(RoleAssignment.id).filter_by(user_id=t001, org_id=city["city"]))
    assert (Role.expert, city["city"]) in held and (Role.city_office, city["city"]) not in held
    assert county_grant is None


def test_an_overdue_city_step_escalates_to_the_city_office(app, city, sessions):
    """The reminder policy escalates an expert's step to the county office; in a city review, the city's."""
    from webapp.notifications.recipients import Recipients

    with app.app_context():
        sheet = db.session.scalars(select(HumanTask).filter_by(task_name="expert_scoring")).first()
        recipients = Recipients([sheet], supervisor_of=lambda role: Role.county_office if role is Role.expert else None)
        officers = {db.session.get(User, user_id).username for user_id in recipients.supervisors(sheet)}
    assert officers == {"city"}
