"""The county review over HTTP, from the schools' reported lists to the formal candidates.

One county is set up once for the module (the demo, with reported school lists driven through
the real processes) and the tests below walk the review in order, each stage building on the
one before: materials check (a return and a supplement, a rejection, the fast track), opinions
scoped to a subject, expert panels with conflicts refused, score sheets (validation, secrecy,
two experts at once, statement counts), 差额, an unbreakable tie, the leading group's return and
approval, the notice and the result. Outsiders get 404 on every page of it.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from webapp.extensions import db
from webapp.models import HumanTask, Organisation, RoleAssignment, TaskState, User
from webapp.processes.county_review import results
from webapp.processes.county_review.models import (
    ExpertAssignment, ReviewCandidate, ReviewCandidateStatus, ReviewRound, ReviewStatus, StaffSubject,
)
from webapp.roles import Role

from .conftest import Session, empty_database, logged_in_sessions
from .helpers import PDF, reach_timers
from .test_browser import browser  # noqa: F401  (fixture)
from .test_concurrency import _race

POOL = ["t016", "t019", "t022", "t017", "t020", "t023", "t018", "t021", "t024"]
SCORED = ["t017", "t018", "t019", "t020", "t021", "t022", "t024"]
EXPERTS = ["expert", "expert2", "expert3", "expert4", "expert5", "expert6", "expert7"]  # expert7 takes over expert6's sheet
# Each candidate's expert totals, in the order of EXPERTS as assigned (conflicts leave some out).
TOTALS = {
    "t017": [90, 80, 80, 80, 60],   # five scores: highest and lowest dropped → 80 (plain mean 78)
    "t018": [85, 85, 85, 85, 85],
    "t019": [70, 75, 75, 75, 95],   # → 75 (plain mean 78)
    "t020": [78, 78, 78, 78],       # four scores: no trimming → 78, tied with t021
    "t021": [78, 78, 78, 78],
    "t022": [88, 88, 88, 88, 88],
    "t024": [60, 60, 60, 60],
}


@pytest.fixture(autouse=True)
def clean_database():
    """This module shares one county across its tests (see `county`), emptied once at the end."""
    yield


@pytest.fixture(scope="module")
def county(app):
    """The demo with reported school lists; t020 and t021 share every tie-break fact; t022 is also an expert.

    The demo's second county (石泉县, office `sqcounty`) must never see this county's review.
    """
    from webapp.demo import add_second_county, build_demo
    from webapp.demo_review import seed_reported_lists

    with app.test_request_context():
        build_demo()
        add_second_county()
        db.session.commit()
        seed_reported_lists(app.extensions["workflow_engine"], app.extensions["form_library"])
        users = {u.username: u for u in db.session.scalars(select(User))}
        twin, other = users["t020"].profile, users["t021"].profile
        other.birth_date, other.teaching_start_date = twin.birth_date, twin.teaching_start_date
        county_org = db.session.scalar(select(Organisation).filter_by(name="汉阴县"))
        users["t022"].roles.append(RoleAssignment(role=Role.expert, org_id=county_org.id))
        db.session.add(StaffSubject(user_id=users["t022"].id, org_id=county_org.id, subject="physics"))
        db.session.commit()
    yield
    empty_database(app)


@pytest.fixture(scope="module")
def sessions(app, county):
    """One logged-in browser session per user, made on first use."""
    return logged_in_sessions(app)


def _review(app) -> ReviewRound:
    with app.app_context():
        review = db.session.scalar(select(ReviewRound))
        db.session.expunge(review)
        return review


def _candidates(app) -> dict[str, ReviewCandidate]:
    with app.app_context():
        rows = db.session.scalars(select(ReviewCandidate)).all()
        out = {}
        for row in rows:
            out[row.teacher.username] = row
            db.session.expunge(row)
        return out


def _open_task(app, step: str, assignee: str | None = None) -> int:
    with app.app_context():
        query = select(HumanTask.id).filter_by(task_name=step, state=TaskState.open)
        if assignee:
            query = query.join(User, User.id == HumanTask.assignee_id).where(User.username == assignee)
        ids = db.session.scalars(query.order_by(HumanTask.id)).all()
        assert ids, f"no open step {step} for {assignee}"
        return ids[0]


def _stage_urls(app) -> list[str]:
    """Every page of the review: its own pages, its instance and tasks."""
    review = _review(app)
    with app.app_context():
        task_ids = db.session.scalars(select(HumanTask.id).filter_by(instance_id=review.instance_id)).all()
    return ([f"/review/{review.id}", f"/review/{review.id}/notice", f"/instances/{review.instance_id}"]
            + [f"/tasks/{t}" for t in task_ids])


# -- 1. opening ------------------------------------------------------------------------------------

def test_office_sees_pool_and_opens_with_places(app, sessions):
    office = sessions("county")
    page = office.get("/review/").get_data(as_text=True)
    assert "学校推荐名单中共有 9 名推荐人选" in page
    cycle_id = int(re.search(r'data-cycle-id="(\d+)">\s*<h3>\d+ · 县级骨干教师', page).group(1))
    office_id = int(re.search(r'data-office-id="(\d+)"', page).group(1))
    # Schools that have not reported the other calls are listed (no vote yet).
    assert "尚未报送的学校" in page

    bad = office.post(f"/review/offices/{office_id}/cycles/{cycle_id}", data={"places_mode": "absolute", "places_value": "2.5"})
    assert bad.status_code == 422
    assert "名额须为大于 0 且不超过 1 的比例" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ReviewRound)) is None

    response = office.post(f"/review/offices/{office_id}/cycles/{cycle_id}", data={"places_mode": "absolute", "places_value": "7"})
    assert response.status_code == 302, response.get_data(as_text=True)
    review = _review(app)
    assert review.places == 7 and review.status is ReviewStatus.materials
    assert sorted(_candidates(app)) == sorted(POOL)
    assert _candidates(app)["t016"].claims_fast_track and not _candidates(app)["t017"].claims_fast_track
    again = office.post(f"/review/offices/{office_id}/cycles/{cycle_id}", data={"places_mode": "absolute", "places_value": "7"})
    assert again.status_code == 409


def test_outsiders_get_404_on_every_page(app, sessions):
    for username in ("sqcounty", "s1admin", "t019", "t001", "research", "expert"):
        session = sessions(username)
        for url in _stage_urls(app):
            code = session.get(url).status_code
            assert code == 404, (username, url, code)
    assert sessions("t001").get("/review/").status_code == 404
    assert sessions("sqcounty").get("/review/").status_code == 200  # its own (empty) county


# -- 2. materials check ----------------------------------------------------------------------------

def _decide(app, sessions, username: str, decision: str, **extra):
    task_id = _open_task(app, "materials_check")
    candidate_id = _candidates(app)[username].id
    data = {"decision": decision, **extra}
    return sessions("county").post(f"/review/tasks/{task_id}/candidates/{candidate_id}/materials", data=data)


def test_materials_check_return_supplement_reject_fast_track(app, sessions):
    office = sessions("county")
    task_id = _open_task(app, "materials_check")
    page = office.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert page.count('class="materials-form"') == 9 and "/evidence/sha256-" in page
    assert 'class="task-form"' not in page  # the sheet posts itself; no generic submit

    # A return needs a reason and a due date after today; a bad one changes nothing.
    refused = _decide(app, sessions, "t019", "return", note="", due=date.today().isoformat())
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "请填写理由（5 至 1000 字）" in html
    assert _candidates(app)["t019"].status is ReviewCandidateStatus.pending
    due = (date.today() + timedelta(days=10)).isoformat()
    assert _decide(app, sessions, "t019", "return", note="请补充近五年公开课证明。", due=due).status_code == 302
    assert _candidates(app)["t019"].status is ReviewCandidateStatus.returned

    # Finishing while a candidate is open or waiting for material is refused.
    finish = office.post(f"/review/tasks/{task_id}/finish-materials")
    assert finish.status_code == 409 and "尚未处理或仍在等待补充材料" in finish.get_data(as_text=True)

    # The school administrator supplements from the inbox; the candidate comes back to the office.
    school = sessions("s1admin")
    supplement = _open_task(app, "supplement_material")
    page = school.get(f"/tasks/{supplement}").get_data(as_text=True)
    assert "请补充近五年公开课证明。" in page
    import io

    response = school.post(f"/tasks/{supplement}", data={
        "supplement_note": "已补充县级公开课证书两份。", "supplement_files": (io.BytesIO(PDF), "公开课证书.pdf"),
        "_action": "submit"}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _candidates(app)["t019"].status is ReviewCandidateStatus.supplemented

    assert _decide(app, sessions, "t023", "reject", note="所报论文获奖证书无法核实。").status_code == 302
    assert _decide(app, sessions, "t016", "accept", fast_track="true").status_code == 302
    for username in ("t017", "t018", "t019", "t020", "t021", "t022", "t024"):
        assert _decide(app, sessions, username, "accept").status_code == 302
    assert _decide(app, sessions, "t017", "reject", note="重复处理").status_code == 409  # decided already
    assert office.post(f"/review/tasks/{task_id}/finish-materials").status_code == 302
    candidates = _candidates(app)
    assert candidates["t016"].fast_track and candidates["t023"].status is ReviewCandidateStatus.rejected
    assert _review(app).status is ReviewStatus.opinions
    # The rejected teacher reads the reason on their own page.
    mine = sessions("t023").get("/applications/").get_data(as_text=True)
    assert "所报论文获奖证书无法核实。" in mine


# -- 3. research-staff opinions --------------------------------------------------------------------

def test_research_staff_see_only_their_subject(app, sessions):
    math_task = _open_task(app, "research_opinion", "research")
    page = sessions("research").get(f"/tasks/{math_task}").get_data(as_text=True)
    candidates = _candidates(app)
    shown = {int(x) for x in re.findall(r'data-candidate-id="(\d+)"', page)}
    assert shown == {candidates[u].id for u in ("t016", "t017", "t018")}
    # Someone else's opinion step: the one out-of-scope code, 404, even for a colleague holding the role.
    assert sessions("research_cn").get(f"/tasks/{math_task}").status_code == 404
    assert sessions("research_cn").post(f"/review/tasks/{math_task}/opinions", data={}).status_code == 404

    incomplete = sessions("research").post(f"/review/tasks/{math_task}/opinions",
                                           data={f"opinion-{candidates['t017'].id}": "recommend"})
    assert incomplete.status_code == 422
    html = incomplete.get_data(as_text=True)
    assert "请选择意见。" in html and "请填写 2 至 500 字的说明。" in html
    assert _candidates(app)["t017"].opinion is None

    def sheet(usernames, opinion="recommend"):
        data = {}
        for username in usernames:
            data[f"opinion-{candidates[username].id}"] = opinion
            data[f"comment-{candidates[username].id}"] = "教学扎实，有示范作用。"
        return data

    # Fields for another subject's candidate are ignored: only the subject's candidates are stored.
    posted = sheet(["t016", "t017", "t018"]) | sheet(["t019"], "not_recommend")
    assert sessions("research").post(f"/review/tasks/{math_task}/opinions", data=posted).status_code == 302
    assert _candidates(app)["t019"].opinion is None
    chinese = _open_task(app, "research_opinion", "research_cn")
    assert sessions("research_cn").post(f"/review/tasks/{chinese}/opinions",
                                        data=sheet(["t019", "t020", "t021"], "neutral")).status_code == 302
    english = _open_task(app, "research_opinion", "research_en")
    assert sessions("research_en").post(f"/review/tasks/{english}/opinions", data=sheet(["t022", "t024"])).status_code == 302
    assert _review(app).status is ReviewStatus.assigning
    assert _candidates(app)["t020"].opinion == "neutral"


# -- 4. expert panels ------------------------------------------------------------------------------

def _user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).filter_by(username=username))


def _panels(app) -> dict[str, set[str]]:
    with app.app_context():
        rows = db.session.execute(
            select(ReviewCandidate, User.username).join(ExpertAssignment, ExpertAssignment.candidate_id == ReviewCandidate.id)
            .join(User, User.id == ExpertAssignment.expert_id)
        ).all()
        panels: dict[str, set[str]] = {}
        for candidate, expert in rows:
            panels.setdefault(candidate.teacher.username, set()).add(expert)
        return panels


def test_panels_are_conflict_free_and_conflicts_are_refused(app, sessions):
    panels = _panels(app)
    assert set(panels) == set(SCORED)  # the fast-track candidate is not scored
    assert panels["t017"] == {"expert", "expert2", "expert4", "expert5", "expert6"}  # expert3 teaches at t017's school
    assert "expert2" not in panels["t019"]  # expert2 serves mathematics only (and is of t019's school)
    assert len(panels["t020"]) == 4  # only four experts may score t020
    task_id = _open_task(app, "confirm_assignment")
    office = sessions("county")
    candidates = _candidates(app)

    def change(username, add=None, remove=None):
        data = {"candidate_id": candidates[username].id, "add_expert": _user_id(app, add) if add else "",
                "remove_expert": _user_id(app, remove) if remove else ""}
        return office.post(f"/review/tasks/{task_id}/assignments", data=data)

    same_school = change("t020", add="expert3")
    assert same_school.status_code == 422 and "该专家与候选人同校" in same_school.get_data(as_text=True)
    self_review = change("t022", add="t022")
    assert self_review.status_code == 422 and "专家即候选人本人" in self_review.get_data(as_text=True)
    assert _panels(app) == panels
    assert change("t017", remove="expert6").status_code == 302
    assert "expert6" not in _panels(app)["t017"]
    assert change("t017", add="expert6").status_code == 302
    assert _panels(app) == panels
    assert office.post(f"/review/tasks/{task_id}/confirm-assignment").status_code == 302
    assert _review(app).status is ReviewStatus.scoring


# -- 5. score sheets -------------------------------------------------------------------------------

def _sheet(app, expert: str) -> dict:
    """The expert's full score sheet from TOTALS."""
    candidates = _candidates(app)
    data = {}
    for username, experts in _panels(app).items():
        if expert not in experts:
            continue
        ordered = [e for e in EXPERTS if e in experts]
        total = TOTALS[username][ordered.index(expert)]
        teaching, research = total * 4 // 10, total * 3 // 10
        cid = candidates[username].id
        data.update({f"score-{cid}-teaching": teaching, f"score-{cid}-research": research,
                     f"score-{cid}-growth": total - teaching - research})
    return data


def test_score_sheet_validation_and_secrecy(app, sessions):
    task_id = _open_task(app, "expert_scoring", "expert2")
    page = sessions("expert2").get(f"/tasks/{task_id}").get_data(as_text=True)
    candidates = _candidates(app)
    shown = {int(x) for x in re.findall(r'data-candidate-id="(\d+)"', page)}
    assert shown == {candidates["t017"].id, candidates["t018"].id}
    assert "教学扎实，有示范作用。" in page  # the research staff's opinion
    # Another expert's sheet: 403 (expert role) and nothing for teachers.
    assert sessions("expert3").get(f"/tasks/{task_id}").status_code == 404
    assert sessions("t017").get(f"/tasks/{task_id}").status_code == 404
    # Nor does the review's history name candidates outside the expert's panel.
    history = sessions("expert2").get(f"/instances/{_review(app).instance_id}").get_data(as_text=True)
    names = _names(app, POOL)
    assert not [u for u in POOL if u not in ("t017", "t018") and names[u] in history]

    sheet = _sheet(app, "expert2")
    cid = candidates["t017"].id
    wrong = dict(sheet, **{f"score-{cid}-teaching": "41", f"score-{cid}-growth": ""})
    response = sessions("expert2").post(f"/review/tasks/{task_id}/scores", data=wrong)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请填写 0 至 40 分。" in html and "请填写分数。" in html
    assert 'value="41"' in html  # the input is kept
    with app.app_context():
        assert db.session.scalar(select(ExpertAssignment.scored_dt).where(ExpertAssignment.scored_dt.is_not(None))) is None


def _count_statements(app, action):
    """Run `action` and return how many SQL statements it sent."""
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response, statements


def test_scoring_statement_count_two_experts_at_once_and_no_second_sheet(app, sessions, monkeypatch):
    first = _open_task(app, "expert_scoring", "expert2")
    sheet, expert = _sheet(app, "expert2"), sessions("expert2")
    response, statements = _count_statements(app, lambda: expert.post(f"/review/tasks/{first}/scores", data=sheet))
    assert response.status_code == 302
    # Pinned: the user, the task, the review, the expert's assignments (read for the sheet, again
    # by the handler), the audit row (the completion's first write, issue 19), the state (its
    # version checked there), the task row and the scores (one executemany for every candidate of
    # the sheet). The may-see checks need no query for the expert's own step, nor the inbox rows a
    # read of the open tasks; no user row is read again after the commit (issue 19).
    assert len(statements) == 9, "\n".join(s.split("\n")[0][:100] for s in statements)
    again = sessions("expert2").post(f"/review/tasks/{first}/scores", data=_sheet(app, "expert2"))
    assert again.status_code == 409

    # expert3 and expert4 submit at the same moment: both sheets are kept, each exactly once.
    third, fourth = _open_task(app, "expert_scoring", "expert3"), _open_task(app, "expert_scoring", "expert4")
    sheet3, sheet4 = _sheet(app, "expert3"), _sheet(app, "expert4")
    responses = _race(monkeypatch, [
        lambda: sessions("expert3").post(f"/review/tasks/{third}/scores", data=sheet3),
        lambda: sessions("expert4").post(f"/review/tasks/{fourth}/scores", data=sheet4),
    ])
    assert [r.status_code for r in responses] == [302, 302]
    with app.app_context():
        for username in ("expert3", "expert4"):
            rows = db.session.scalars(select(ExpertAssignment).join(User, User.id == ExpertAssignment.expert_id)
                                      .where(User.username == username)).all()
            assert rows and all(row.scored_dt is not None for row in rows)


def test_a_candidate_withdraws_mid_review(app, sessions):
    candidates = _candidates(app)
    page = sessions("t024").get("/applications/").get_data(as_text=True)
    assert f"/review/candidates/{candidates['t024'].id}/withdraw" in page and "县级评审中" in page
    assert sessions("t023").post(f"/review/candidates/{candidates['t024'].id}/withdraw").status_code == 404
    assert sessions("t023").post(f"/review/candidates/{candidates['t023'].id}/withdraw").status_code == 409
    assert sessions("t024").post(f"/review/candidates/{candidates['t024'].id}/withdraw").status_code == 302
    assert _candidates(app)["t024"].status is ReviewCandidateStatus.withdrawn
    # expert3 had scored t024 already: that sheet no longer counts; expert5's sheet drops t024.
    task_id = _open_task(app, "expert_scoring", "expert5")
    page = sessions("expert5").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert f'data-candidate-id="{candidates["t024"].id}"' not in page


def test_scores_stay_secret_until_ranked(app, sessions):
    from webapp.models import AuditEvent, ProcessInstance

    # An expert who has not scored yet sees empty fields, never another expert's points.
    task_id = _open_task(app, "expert_scoring", "expert5")
    page = sessions("expert5").get(f"/tasks/{task_id}").get_data(as_text=True)
    values = re.findall(r'name="score-[^"]+" id="[^"]+" value="([^"]*)"', page)
    assert values and set(values) == {""}
    # The office sees no ranking and no scores while experts are scoring.
    office_page = sessions("county").get(f"/review/{_review(app).id}").get_data(as_text=True)
    assert 'id="ranked-list"' not in office_page and 'class="score"' not in office_page
    # Scores live only in the score table: not in the process data, nor in the history.
    with app.app_context():
        instance = db.session.get(ProcessInstance, _review(app).instance_id)
        assert '"scores"' not in instance.state_json
        sheets = db.session.scalars(select(AuditEvent).filter_by(instance_id=instance.id, action="completed",
                                                                 task_name="expert_scoring")).all()
        assert len(sheets) == 3 and {event.data for event in sheets} == {None}


@pytest.fixture
def review_server(app, county):
    """The app served on a free loopback port, on this module's county."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.browser
def test_score_sheet_fits_a_phone(app, review_server, browser):
    from selenium.webdriver.common.by import By

    from .test_browser import _login, _wait_for_text

    browser.set_window_size(390, 844)
    _login(browser, review_server, "expert5")
    task_id = _open_task(app, "expert_scoring", "expert5")
    browser.get(f"{review_server}/tasks/{task_id}")
    assert browser.find_element(By.ID, "score-sheet").is_displayed()
    inputs = browser.find_elements(By.CSS_SELECTOR, "#score-sheet input[type=number]")
    assert len(inputs) == 3 * 6  # three criteria for each of expert5's six candidates (t024 withdrew)
    width = browser.execute_script("return window.innerWidth")
    assert width <= 390
    overflow = browser.execute_script(
        "return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > "
        "document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 5)")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width, overflow
    # A sheet with one score out of range and the rest empty comes back with a message next to
    # each field and the input kept, still fitting the phone.
    inputs[0].send_keys("41")
    browser.find_element(By.CSS_SELECTOR, "#score-sheet button.primary").click()
    _wait_for_text(browser, "请填写 0 至 40 分。")
    assert "请填写分数。" in browser.page_source
    assert browser.find_element(By.CSS_SELECTOR, "#score-sheet input[type=number]").get_attribute("value") == "41"
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width


def test_a_deactivated_experts_sheet_returns_to_the_office(app, sessions):
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(["expert6", "county"])))}
        users["expert6"].is_active_flag = False
        county_org = db.session.scalar(select(Organisation).filter_by(name="汉阴县"))
        from webapp.demo import _user

        _user("expert7", "新任专家", Role.expert, county_org, users["county"].password_hash)
        db.session.commit()
    review = _review(app)
    sheet = _open_task(app, "expert_scoring", "expert6")
    with app.app_context():
        # Score sheets have the rule's scoring deadline, so the reminder policy reminds (and escalates) them.
        assert db.session.get(HumanTask, sheet).due_dt is not None
        assert db.session.get(HumanTask, sheet).reminder_dt is not None
    held = {u for u, experts in _panels(app).items() if "expert6" in experts}
    moved = held - {"t024"}  # t024 withdrew: that row stays behind, unscored and uncounted
    office = sessions("county")
    page = office.get(f"/review/{review.id}").get_data(as_text=True)
    section = page.split('id="returned-sheets"', 1)[1].split("</section>", 1)[0]
    names = _names(app, ["expert6", "expert7", "t022"])
    assert names["expert6"] in section and names["expert7"] in section
    assert names["t022"] not in section  # serves physics only: a conflict with every candidate of the sheet
    # The leading group reads the review but does not hand sheets over.
    assert 'id="returned-sheets"' not in sessions("leader").get(f"/review/{review.id}").get_data(as_text=True)
    url = f"/review/{review.id}/sheets/{sheet}/hand-over"
    assert sessions("leader").post(url, data={"expert": _user_id(app, "expert7"), "reason": "专家账号已停用。"}).status_code == 404

    conflict = office.post(url, data={"expert": _user_id(app, "t022"), "reason": "专家账号已停用。"})
    assert conflict.status_code == 422 and "不能分配" in conflict.get_data(as_text=True)
    taken = office.post(url, data={"expert": _user_id(app, "expert2"), "reason": "专家账号已停用。"})
    assert taken.status_code == 422 and "已有评分表" in taken.get_data(as_text=True)
    no_reason = office.post(url, data={"expert": _user_id(app, "expert7"), "reason": ""})
    assert no_reason.status_code == 422 and 'value=""' in no_reason.get_data(as_text=True)
    assert {u for u, experts in _panels(app).items() if "expert6" in experts} == held

    assert office.post(url, data={"expert": _user_id(app, "expert7"), "reason": "专家账号已停用，改由新任专家评分。"}).status_code == 302
    assert {u for u, experts in _panels(app).items() if "expert7" in experts} == moved
    assert _open_task(app, "expert_scoring", "expert7") == sheet
    page = sessions("expert7").get(f"/tasks/{sheet}").get_data(as_text=True)
    candidates = _candidates(app)
    assert {int(x) for x in re.findall(r'data-candidate-id="(\d+)"', page)} == {candidates[u].id for u in moved}
    assert 'id="returned-sheets"' not in office.get(f"/review/{review.id}").get_data(as_text=True)
    # An active expert's sheet is not the office's to hand over.
    other = _open_task(app, "expert_scoring", "expert5")
    active = office.post(f"/review/{review.id}/sheets/{other}/hand-over",
                         data={"expert": _user_id(app, "expert7"), "reason": "专家账号已停用。"})
    assert active.status_code == 409


# -- 6. ranking, 差额, tie, approval ---------------------------------------------------------------

def test_margin_warning_then_places_lowered_and_tie_decided(app, sessions):
    for expert in ("expert", "expert5", "expert7"):
        task_id = _open_task(app, "expert_scoring", expert)
        assert sessions(expert).post(f"/review/tasks/{task_id}/scores", data=_sheet(app, expert)).status_code == 302
    candidates = _candidates(app)
    # Trimmed means: t017 80 (not 78), t019 75 (not 78); four scores are not trimmed.
    assert candidates["t017"].final_score == 80.0 and candidates["t019"].final_score == 75.0
    assert candidates["t020"].final_score == candidates["t021"].final_score == 78.0
    review = _review(app)
    assert review.status is ReviewStatus.selection
    # 7 places, the fast-track candidate takes one: 6 for 6 scored (t024 withdrew), but 1.2 × 6 needs 8.
    office = sessions("county")
    task_id = _open_task(app, "margin_decision")
    page = office.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "参评 6 人，名额 6 个；按规则参评人数至少应为 8 人" in page
    # Lowering to as many places as now is no lowering: the step comes back.
    assert office.post(f"/tasks/{task_id}", data={"margin_choice": "lower", "margin_places": "7",
                                                 "margin_note": "按规则调减名额。"}).status_code == 302
    task_id = _open_task(app, "margin_decision")
    assert "调减名额须少于现有名额" in office.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert office.post(f"/tasks/{task_id}", data={"margin_choice": "lower", "margin_places": "5",
                                                 "margin_note": "参评人数不足，按规则调减名额。"}).status_code == 302
    assert _review(app).places == 5
    # Now 4 places for scored candidates: t022 88, t018 85, t017 80, then t020 and t021 tie at 78
    # for the last place with the same opinion, years of teaching and age: the office decides.
    task_id = _open_task(app, "decide_tie")
    page = office.get(f"/tasks/{task_id}").get_data(as_text=True)
    names = _names(app, ["t020", "t021"])
    assert names["t020"] in page and names["t021"] in page and "只剩 1 个名额" in page
    two = office.post(f"/tasks/{task_id}", data={"tie_choice": [str(candidates["t020"].id), str(candidates["t021"].id)],
                                                "tie_note": "两人均符合条件。"})
    assert two.status_code == 422
    assert office.post(f"/tasks/{task_id}", data={"tie_choice": [str(candidates["t021"].id)],
                                                 "tie_note": "经领导小组办公室集体研究，按近三年县级公开课数量确定。"}).status_code == 302
    statuses = {u: (c.status.value, c.rank) for u, c in _candidates(app).items()}
    assert statuses["t016"] == ("formal", 1)  # fast track
    assert [u for u, (s, _r) in sorted(statuses.items(), key=lambda i: i[1][1] or 99) if s == "formal"] == \
        ["t016", "t022", "t018", "t017", "t021"]
    assert statuses["t020"] == ("reserve", 6) and statuses["t019"] == ("reserve", 7)
    assert statuses["t024"][0] == "withdrawn" and statuses["t023"][0] == "rejected"


def _names(app, usernames) -> dict[str, str]:
    with app.app_context():
        return {u.username: u.display_name for u in db.session.scalars(select(User).where(User.username.in_(usernames)))}


def test_leader_returns_then_approves_and_the_notice_runs(app, sessions):
    office, leader = sessions("county"), sessions("leader")
    propose = _open_task(app, "propose_list")
    assert 'id="ranked-list"' in office.get(f"/tasks/{propose}").get_data(as_text=True)
    assert office.post(f"/tasks/{propose}", data={}).status_code == 302
    approve = _open_task(app, "approve_list")
    assert sessions("county").get(f"/tasks/{approve}").status_code == 404  # the leader's step
    assert leader.post(f"/tasks/{approve}", data={"approval_decision": "return", "approval_comment": "请核实后备人选排序。"}).status_code == 302
    propose = _open_task(app, "propose_list")
    assert "请核实后备人选排序。" in office.get(f"/tasks/{propose}").get_data(as_text=True)
    assert office.post(f"/tasks/{propose}", data={"proposal_note": "已核实。"}).status_code == 302
    approve = _open_task(app, "approve_list")
    assert leader.post(f"/tasks/{approve}", data={"approval_decision": "approve", "approval_comment": "同意公示。"}).status_code == 302
    review = _review(app)
    assert review.status is ReviewStatus.notice and review.notice_end_dt > review.notice_start_dt

    # Everyone of the county reads the notice: formal candidates only, no scores.
    notice = sessions("t001").get(f"/review/{review.id}/notice").get_data(as_text=True)
    listed = notice.split('id="notice-list"', 1)[1].split("</table>", 1)[0]
    names = _names(app, POOL)
    assert all(names[u] in listed for u in ("t016", "t022", "t018", "t017", "t021"))
    assert names["t020"] not in listed and "80.00" not in notice and "分" not in listed
    assert sessions("sqcounty").get(f"/review/{review.id}/notice").status_code == 404
    # A candidate not selected sees their own score and rank, nobody else's.
    mine = sessions("t019").get(f"/review/{review.id}/notice").get_data(as_text=True)
    assert "最终得分 75.00，排名第 7" in mine and "88.00" not in mine
    assert "县级评审公示" in sessions("t021").get("/applications/").get_data(as_text=True)


# -- 7. objections to the county notice (the one objection process, investigated by the office) ----

def _object(sessions, app, username: str, against: str, reason: str = "该候选人申报的县级公开课与实际情况不符，请核实。"):
    review = _review(app)
    return sessions(username).post(f"/review/{review.id}/objections", content_type="multipart/form-data",
                                   data={"candidate": str(_candidates(app)[against].id), "reason": reason})


def _objection_step(app) -> int:
    return _open_task(app, "investigate_office")


def test_county_objection_upheld_removes_and_moves_up(app, sessions):
    from webapp.models import Notification, NotificationKind
    from webapp.processes.objection.models import Objection

    review = _review(app)
    # Anyone of the county may object (a teacher of another school here); outside the county: 404.
    assert _object(sessions, app, "sqcounty", "t017").status_code == 404
    short = _object(sessions, app, "t001", "t017", reason="不对")
    assert short.status_code == 422 and 'id="objection-form"' in short.get_data(as_text=True)
    assert _object(sessions, app, "t001", "t020").status_code == 422  # t020 is on the reserve list, not the notice
    with app.app_context():
        assert db.session.scalar(select(Objection)) is None
    assert _object(sessions, app, "t001", "t017").status_code == 302

    # The office investigates; the objector's name is seen there and nowhere the candidate looks.
    step = _objection_step(app)
    office = sessions("county")
    objector = _names(app, ["t001"])["t001"]
    assert objector in office.get(f"/tasks/{step}").get_data(as_text=True)
    with app.app_context():
        instance_id = db.session.scalar(select(Objection.instance_id))
    for username in ("t017", "leader", "s1admin", "expert"):
        assert sessions(username).get(f"/instances/{instance_id}").status_code == 404, username
        assert sessions(username).get(f"/tasks/{step}").status_code == 404, username
    assert objector not in sessions("t017").get(f"/review/{review.id}/notice").get_data(as_text=True)

    response = office.post(f"/tasks/{step}", content_type="multipart/form-data", data={
        "objection_decision": "upheld", "objection_reply": "经核实，异议属实，取消其正式候选人资格。"})
    assert response.status_code == 302, response.get_data(as_text=True)
    candidates = _candidates(app)
    assert candidates["t017"].status is ReviewCandidateStatus.removed and candidates["t017"].rank is None
    assert candidates["t020"].status is ReviewCandidateStatus.formal  # the head of the reserve list moves up
    assert [u for u, c in sorted(candidates.items(), key=lambda i: i[1].rank or 99) if c.status.value == "formal"] == \
        ["t016", "t022", "t018", "t021", "t020"]
    # The change is published on the notice (without the objector).
    notice = sessions("t010").get(f"/review/{review.id}/notice").get_data(as_text=True)
    listed = notice.split('id="notice-list"', 1)[1].split("</table>", 1)[0]
    names = _names(app, ["t017", "t020"])
    assert names["t020"] in listed and names["t017"] not in listed
    changes = notice.split('id="notice-changes"', 1)[1].split("</ul>", 1)[0]
    assert names["t017"] in changes and "从后备名单递补" in changes and objector not in notice
    mine = sessions("t001").get(f"/review/{review.id}/notice").get_data(as_text=True).split('id="my-objections"', 1)[1]
    assert "经核实，异议属实，取消其正式候选人资格。" in mine
    with app.app_context():
        told = {(n.kind, n.user.username) for n in db.session.scalars(
            select(Notification).where(Notification.event_key.like("%objection%") | Notification.event_key.like("review_candidate:%")))}
    assert told == {(NotificationKind.objection_reply, "t001"), (NotificationKind.removed, "t017"),
                    (NotificationKind.recommended, "t020")}
    assert "县级评审公示后因异议成立被取消" in sessions("t017").get("/applications/").get_data(as_text=True)


def test_county_objection_dismissed_and_the_result_waits_for_it(app, sessions):
    review = _review(app)
    assert _object(sessions, app, "s2admin", "t018", "该教师近三年没有承担县级公开课任务，请核实。").status_code == 302
    # The notice ends with the objection still open: the result waits for the answer.
    assert reach_timers(app, review.instance_id) == 1
    assert _review(app).status is ReviewStatus.notice
    late = _object(sessions, app, "t013", "t018")
    assert late.status_code == 409 and "公示期已结束" in late.get_data(as_text=True)

    step = _objection_step(app)
    response = sessions("county").post(f"/tasks/{step}", content_type="multipart/form-data", data={
        "objection_decision": "dismissed", "objection_reply": "经核实，该教师本年度承担了县级公开课。"})
    assert response.status_code == 302
    assert _candidates(app)["t018"].status is ReviewCandidateStatus.formal
    mine = sessions("s2admin").get(f"/review/{review.id}/notice").get_data(as_text=True).split('id="my-objections"', 1)[1]
    assert '<span class="reply">经核实，该教师本年度承担了县级公开课。</span>' in mine and "驳回" in mine

    assert reach_timers(app, review.instance_id) == 1  # the hourly check finds every objection answered
    assert _review(app).status is ReviewStatus.done
    with app.app_context():
        formal = [c.teacher.username for c in results.formal_candidates(review.cycle_id)]
        reserve = [c.teacher.username for c in results.reserve_list(review.cycle_id)]
    assert formal == ["t016", "t022", "t018", "t021", "t020"] and reserve == ["t019"]
    stage = sessions("t019").get("/applications/").get_data(as_text=True)
    assert "进入县级后备名单" in stage


def test_the_result_page_in_english(app, sessions):
    """The office's printable result in English: statuses, events and labels, no Chinese but names."""
    office = Session(app, "county")
    office.post("/language", data={"lang": "en", "next": "/review/"})
    page = office.get(f"/review/{_review(app).id}").get_data(as_text=True)
    assert "Formal candidate" in page and "Reserve list" in page and "Materials accepted, fast track verified" in page
    for chinese in ("正式候选人", "资格复审", "后备", "评审", "直推"):
        assert chinese not in page, chinese
    office.post("/language", data={"lang": "zh_Hans_CN", "next": "/review/"})


def test_the_notice_with_objections_in_english(app, sessions):
    """The objector's notice in English: the changes and the reply, no Chinese but people's data."""
    from .english_scan import chinese_left, user_entered_values

    teacher = Session(app, "t001")
    teacher.post("/language", data={"lang": "en", "next": "/"})
    page = teacher.get(f"/review/{_review(app).id}/notice").get_data(as_text=True)
    assert "Changes to the notice" in page and "Moved up from the reserve list" in page and "My objections" in page
    with app.app_context():
        assert chinese_left(page, user_entered_values()) == []
    teacher.post("/language", data={"lang": "zh_Hans_CN", "next": "/"})
