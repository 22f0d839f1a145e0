"""The training period and the conferral over HTTP, from formal candidates to certificates and the
public verification page.

One county is set up once for the module (the demo, a finished county review of the backbone call
with five formal candidates and two reserves) and the tests below walk the training in order, each
stage building on the one before: opening, the plan (weights that do not add up to 100 refused),
attendance (grid and Excel, bad sheets refused with nothing changed), a supplement from the reserve
list, elimination under the attendance threshold, practice reviewed by the mentor, a withdrawal,
scores and elimination under the pass line, each trainee seeing only their own record; then the
conferral (proposal, approval, numbered certificates in the register), the certificate PDF, the
public list and verification. Another county's office gets 404 on every page of it.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import HumanTask, Organisation, TaskState, TitleHolding, User
from webapp.processes.training.models import Trainee, TrainingCohort

from .conftest import empty_database, logged_in_sessions
from .english_scan import chinese_left, crawl, user_entered_values

FORMAL = ["t016", "t017", "t018", "t019", "t020"]
RESERVE = ["t021", "t022"]


@pytest.fixture(autouse=True)
def clean_database():
    """This module shares one county across its tests (see `county`), emptied once at the end."""
    yield


@pytest.fixture(scope="module")
def county(app):
    from webapp.demo import add_second_county, build_demo
    from webapp.demo_training import finished_review

    with app.test_request_context():
        build_demo()
        add_second_county()
        org = db.session.scalar(select(Organisation).filter_by(name="汉阴县"))
        review = finished_review(org, "backbone", FORMAL, RESERVE)
        from webapp.processes.self_application.models import Application, ApplicationStatus

        t018 = next(c for c in review.candidates if c.teacher.username == "t018")
        application = Application(teacher_id=t018.teacher_id, school_id=t018.school_id, cycle_id=review.cycle_id,
                                  level="county", category="backbone", status=ApplicationStatus.accepted)
        db.session.add(application)          # (no instance: its stage is read directly, not on the page)
        db.session.flush()
        t018.application_id = application.id
        db.session.commit()
        ids = {"county": org.id, "review": review.id}
    yield ids
    empty_database(app)


@pytest.fixture(scope="module")
def sessions(app, county):
    """One logged-in browser session per user, made on first use."""
    return logged_in_sessions(app)


def _cohort(app) -> TrainingCohort:
    with app.app_context():
        cohort = db.session.scalar(select(TrainingCohort).order_by(TrainingCohort.id))
        db.session.expunge(cohort)
        return cohort


def _trainees(app) -> dict[str, dict]:
    with app.app_context():
        return {t.teacher.username: {"id": t.id, "status": t.status.value, "reason": t.status_reason,
                                     "mentor": t.mentor.username if t.mentor else None, "total": t.weighted_total,
                                     "rate": t.attendance_rate}
                for t in db.session.scalars(select(Trainee).order_by(Trainee.id))}


def _sessions(app) -> list[int]:
    with app.app_context():
        cohort = db.session.scalar(select(TrainingCohort).order_by(TrainingCohort.id))
        return [s.id for s in cohort.sessions]


def _open_task(app, step: str) -> int:
    with app.app_context():
        ids = db.session.scalars(select(HumanTask.id).filter_by(task_name=step, state=TaskState.open)
                                 .order_by(HumanTask.id)).all()
        assert ids, f"no open step {step}"
        return ids[-1]


def _with_doctype(data: bytes) -> io.BytesIO:
    """The workbook with entity declarations put into its first sheet's XML (a billion-laughs opening)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                head, mark, rest = content.partition(b"?>")
                content = head + mark + doctype + rest if mark else doctype + content
            target.writestr(info.filename, content)
    out.seek(0)
    return out


def _xlsx(rows: list[list]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _names(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(User.username, User.display_name)).all())


def _plan(weights: list[tuple[str, str]], days: int = 4) -> dict:
    form = {}
    for index, (name, weight) in enumerate(weights):
        form[f"component_{index}"], form[f"weight_{index}"] = name, weight
    start = date.today()
    for index in range(days):
        form[f"session_day_{index}"] = (start + timedelta(days=index)).isoformat()
        form[f"session_hours_{index}"] = "6"
        form[f"session_topic_{index}"] = f"Session {index + 1}"
    form["practice_from"] = (start + timedelta(days=10)).isoformat()
    form["practice_until"] = (start + timedelta(days=100)).isoformat()
    return form


SEED_WEIGHTS = [("learning", "20"), ("design", "20"), ("fragment", "20"), ("courseware", "10"), ("research", "10"),
                ("portfolio", "20")]


# -- opening and plan ------------------------------------------------------------------------------

def test_the_office_opens_the_training_of_the_formal_candidates(app, county, sessions):
    office = sessions("county")
    assert "Open the training" in office.get("/training/", headers={"Accept-Language": "en"}).get_data(as_text=True) \
        or "培养" in office.get("/training/").get_data(as_text=True)
    assert sessions("t016").post(f"/training/counties/{county['county']}/reviews/{county['review']}").status_code == 404
    response = office.post(f"/training/counties/{county['county']}/reviews/{county['review']}")
    assert response.status_code == 302
    trainees = _trainees(app)
    assert sorted(trainees) == sorted(FORMAL)
    # Mentors are the research staff of each trainee's subject (the demo's four subjects).
    assert {t["mentor"] for t in trainees.values()} <= {"research", "research_cn", "research_en", "research_ph"}
    assert all(t["mentor"] for t in trainees.values())
    cohort = _cohort(app)
    assert sum(w for _n, w in cohort.weights) == 100 and cohort.pass_line == 60 and cohort.attendance_threshold == 90
    assert office.post(f"/training/counties/{county['county']}/reviews/{county['review']}").status_code == 404


def test_the_plan_refuses_weights_that_do_not_add_up_to_100(app, sessions):
    centre, cohort = sessions("training"), _cohort(app)
    task = _open_task(app, "plan")
    assert centre.post(f"/training/tasks/{task}/finish").status_code == 409   # no sessions yet
    bad = _plan([("learning", "20"), ("design", "20"), ("fragment", "50")])
    response = centre.post(f"/training/{cohort.id}/plan", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "90" in page and "100" in page
    assert 'value="Session 1"' in page            # input kept
    assert _sessions(app) == [] and sum(w for _n, w in _cohort(app).weights) == 100
    assert centre.post(f"/training/{cohort.id}/plan", data=_plan(SEED_WEIGHTS[:5] + [("portfolio", "x")])).status_code == 422
    assert sessions("county").post(f"/training/{cohort.id}/plan", data=_plan(SEED_WEIGHTS)).status_code == 404
    assert centre.post(f"/training/{cohort.id}/plan", data=_plan(SEED_WEIGHTS)).status_code == 302
    assert len(_sessions(app)) == 4
    assert centre.post(f"/training/tasks/{task}/finish").status_code == 302
    assert _cohort(app).status.value == "centralised"


# -- attendance ------------------------------------------------------------------------------------

def test_attendance_grid_refuses_bad_marks_and_saves_good_ones(app, sessions):
    centre, cohort, ids = sessions("training"), _cohort(app), _sessions(app)
    trainees = _trainees(app)
    bad = {f"mark_{trainees['t016']['id']}_{ids[0]}": "sleeping"}
    assert centre.post(f"/training/{cohort.id}/attendance", data=bad).status_code == 422
    with app.app_context():
        assert db.session.get(Trainee, trainees["t016"]["id"]).marks == []
    marks = {f"mark_{trainees[u]['id']}_{s}": "present" for u in FORMAL for s in ids}
    marks[f"mark_{trainees['t017']['id']}_{ids[0]}"] = "late"
    assert centre.post(f"/training/{cohort.id}/attendance", data=marks).status_code == 302


def test_an_excel_sheet_is_checked_previewed_and_applied_all_or_nothing(app, sessions):
    centre, cohort = sessions("training"), _cohort(app)
    names = _names(app)
    dates = [(date.today() + timedelta(days=i)).isoformat() for i in range(4)]
    url = f"/training/{cohort.id}/import/attendance"
    # Unknown person, duplicate row, unknown mark: each named, nothing saved.
    sheet = _xlsx([["姓名", "用户名", *dates], [names["t020"], "t020", "缺勤", "缺勤", "缺勤", "出勤"],
                   ["无名氏", "nobody", "出勤", "出勤", "出勤", "出勤"], [names["t020"], "t020", "出勤", "出勤", "出勤", "出勤"],
                   [names["t019"], "t019", "睡觉", "出勤", "出勤", "出勤"]])
    response = centre.post(url, data={"sheet": (sheet, "a.xlsx"), "confirm": "1"}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "nobody" in page
    assert "第 3 行" in page
    assert page.count("<li>") >= 3
    assert _trainees(app)["t020"]["rate"] is None
    with app.app_context():
        assert {m.mark.value for m in db.session.get(Trainee, _trainees(app)["t020"]["id"]).marks} == {"present"}
    # Wrong layout.
    wrong = _xlsx([["编号", "出勤"], ["1", "出勤"]])
    assert centre.post(url, data={"sheet": (wrong, "b.xlsx"), "confirm": "1"}, content_type="multipart/form-data").status_code == 422
    assert centre.post(url, data={"sheet": (io.BytesIO(b"not excel"), "c.xlsx")}, content_type="multipart/form-data").status_code == 422
    # Hostile or unusable files are refused whole by the shared safe reader, nothing applied:
    # entity declarations in the sheet's XML, a formula cell.
    marked = [["姓名", "用户名", *dates], [names["t020"], "t020", "缺勤", "缺勤", "缺勤", "缺勤"]]
    hostile = centre.post(url, data={"sheet": (_with_doctype(_xlsx(marked).getvalue()), "e.xlsx"), "confirm": "1"},
                          content_type="multipart/form-data")
    assert hostile.status_code == 422
    assert "该文件不是可读取的 Excel 工作簿" in hostile.get_data(as_text=True)
    formula = centre.post(url, data={"sheet": (_xlsx([*marked, ["某人", "t021", "=1+1"]]), "f.xlsx"), "confirm": "1"},
                          content_type="multipart/form-data")
    assert formula.status_code == 422
    assert "不能使用公式" in formula.get_data(as_text=True)
    with app.app_context():
        assert {m.mark.value for m in db.session.get(Trainee, _trainees(app)["t020"]["id"]).marks} == {"present"}
    # A good sheet: preview first (nothing saved), then applied.
    good = [["姓名", "用户名", *dates], [names["t020"], "t020", "缺勤", "缺勤", "请假", "出勤"]]
    preview = centre.post(url, data={"sheet": (_xlsx(good), "d.xlsx"), "confirm": "0"}, content_type="multipart/form-data")
    assert preview.status_code == 200 and "import-preview" in preview.get_data(as_text=True)
    with app.app_context():
        assert {m.mark.value for m in db.session.get(Trainee, _trainees(app)["t020"]["id"]).marks} == {"present"}
    applied = centre.post(url, data={"sheet": (_xlsx(good), "d.xlsx"), "confirm": "1"}, content_type="multipart/form-data")
    assert applied.status_code == 302
    with app.app_context():
        marks = sorted(m.mark.value for m in db.session.get(Trainee, _trainees(app)["t020"]["id"]).marks)
        assert marks == ["absent", "absent", "leave", "present"]


# -- supplements -----------------------------------------------------------------------------------

def test_supplements_come_from_the_reserve_list_in_rank_order_within_the_window(app, sessions):
    office, cohort = sessions("county"), _cohort(app)
    url = f"/training/{cohort.id}/supplements"
    assert office.post(url, data={"count": "1"}).status_code == 409                     # no window yet
    past = (date.today() - timedelta(days=1)).isoformat()
    assert office.post(url, data={"supplement_until": past}).status_code == 422
    assert sessions("training").post(url, data={"count": "1"}).status_code == 404
    assert sessions("sqcounty").post(url, data={"count": "1"}).status_code == 404
    until = (date.today() + timedelta(days=7)).isoformat()
    assert office.post(url, data={"supplement_until": until, "count": "5"}).status_code == 422  # only 2 reserves
    assert "t021" not in _trainees(app)
    assert office.post(url, data={"supplement_until": until, "count": "1"}).status_code == 302
    trainees = _trainees(app)
    assert "t021" in trainees and "t022" not in trainees
    ids = _sessions(app)
    marks = {f"mark_{trainees['t021']['id']}_{s}": "present" for s in ids}
    assert sessions("training").post(f"/training/{cohort.id}/attendance", data=marks).status_code == 302


def test_under_the_attendance_threshold_a_trainee_is_eliminated_with_the_reason(app, sessions):
    task = _open_task(app, "centralised")
    assert sessions("training").post(f"/training/tasks/{task}/finish").status_code == 302
    trainees = _trainees(app)
    assert trainees["t020"]["status"] == "eliminated" and trainees["t020"]["rate"] == 25.0
    assert trainees["t017"]["status"] == "active" and trainees["t017"]["rate"] == 100.0   # late counts as attended
    page = sessions("t020").get(f"/training/mine/{trainees['t020']['id']}").get_data(as_text=True)
    assert "25" in page and "90" in page
    cohort = _cohort(app)
    assert sessions("county").post(f"/training/{cohort.id}/supplements", data={"count": "1"}).status_code == 409


# -- practice and withdrawal -----------------------------------------------------------------------

def test_practice_records_go_to_the_subjects_mentor(app, sessions):
    trainees = _trainees(app)
    mine = trainees["t016"]
    t016 = sessions("t016")
    assert t016.post(f"/training/mine/{mine['id']}/practice", data={"kind": "", "content": "short"}).status_code == 422
    assert t016.post(f"/training/mine/{trainees['t017']['id']}/practice",
                     data={"kind": "教学设计", "content": "x" * 20}).status_code == 404
    assert t016.post(f"/training/mine/{mine['id']}/practice",
                     data={"kind": "教学设计", "content": "《函数的单调性》教学设计与反思全文", "link": "https://example.org/a"}).status_code == 302
    with app.app_context():
        record = db.session.get(Trainee, mine["id"]).records[0]
        record_id = record.id
    other = next(name for name in ("research", "research_cn", "research_en", "research_ph") if name != mine["mentor"])
    assert sessions(other).post(f"/training/practice/{record_id}/review", data={"decision": "accept"}).status_code == 404
    mentor = sessions(mine["mentor"])
    assert "函数的单调性" in mentor.get("/training/mentoring").get_data(as_text=True)
    assert mentor.post(f"/training/practice/{record_id}/review", data={"decision": "return", "comment": ""}).status_code == 422
    assert mentor.post(f"/training/practice/{record_id}/review",
                       data={"decision": "return", "comment": "请补充课后反思"}).status_code == 302
    assert "请补充课后反思" in t016.get(f"/training/mine/{mine['id']}").get_data(as_text=True)


def test_a_trainee_withdraws(app, sessions):
    trainees = _trainees(app)
    assert sessions("t016").post(f"/training/mine/{trainees['t019']['id']}/withdraw").status_code == 404
    assert sessions("t019").post(f"/training/mine/{trainees['t019']['id']}/withdraw",
                                 data={"reason": "工作调动"}).status_code == 302
    assert _trainees(app)["t019"]["status"] == "withdrawn"
    assert sessions("t019").post(f"/training/mine/{trainees['t019']['id']}/withdraw").status_code == 409


# -- assessment ------------------------------------------------------------------------------------

def test_scores_are_weighted_and_those_under_the_pass_line_eliminated(app, sessions):
    centre, cohort = sessions("training"), _cohort(app)
    task = _open_task(app, "practice")
    assert centre.post(f"/training/tasks/{task}/finish").status_code == 302
    trainees = _trainees(app)
    url = f"/training/{cohort.id}/scores"
    assert centre.post(url, data={f"score_{trainees['t016']['id']}_learning": "101"}).status_code == 422
    values = {"t016": [90, 80, 70, 60, 100, 90], "t017": [70, 70, 70, 70, 70, 70], "t018": [50, 60, 55, 70, 40, 50],
              "t021": [80, 80, 80, 80, 80, 80]}
    form = {f"score_{trainees[u]['id']}_{name}": str(v) for u, vs in values.items()
            for (name, _w), v in zip(SEED_WEIGHTS, vs)}
    del form[f"score_{trainees['t021']['id']}_portfolio"]
    assert centre.post(url, data=form).status_code == 302
    task = _open_task(app, "assessment")
    assert centre.post(f"/training/tasks/{task}/finish").status_code == 409     # t021 misses a score
    names = _names(app)
    sheet = _xlsx([["姓名", "用户名", "portfolio"], [names["t021"], "t021", 85]])
    assert centre.post(f"/training/{cohort.id}/import/scores", data={"sheet": (sheet, "s.xlsx"), "confirm": "1"},
                       content_type="multipart/form-data").status_code == 302
    assert centre.post(f"/training/tasks/{task}/finish").status_code == 302
    trainees = _trainees(app)
    # 90×.2 + 80×.2 + 70×.2 + 60×.1 + 100×.1 + 90×.2 = 82
    assert trainees["t016"]["total"] == 82.0 and trainees["t016"]["status"] == "passed"
    assert trainees["t018"]["total"] == 54.0 and trainees["t018"]["status"] == "eliminated"
    assert trainees["t021"]["status"] == "passed" and trainees["t017"]["status"] == "passed"
    assert _cohort(app).status.value == "done"


def test_each_trainee_sees_only_their_own_scores(app, sessions):
    trainees = _trainees(app)
    page = sessions("t018").get(f"/training/mine/{trainees['t018']['id']}").get_data(as_text=True)
    page = re.sub(r'name="csrf_token" value="[^"]*"', "", page)  # a random token may hold any digits
    assert "54" in page and "60" in page and "82" not in page
    assert sessions("t018").get(f"/training/mine/{trainees['t016']['id']}").status_code == 404
    from webapp.processes.training.stages import teacher_stages

    with app.test_request_context():                 # what *我的申报* shows beside the application
        user = db.session.scalar(select(User).where(User.username == "t018"))
        (stage,) = teacher_stages(user).values()
        assert "培养：已淘汰" in stage.label and "54" in stage.label
        assert stage.link_url == f"/training/mine/{trainees['t018']['id']}"
        assert teacher_stages(db.session.scalar(select(User).where(User.username == "t016"))) == {}
    assert sessions("t018").get(f"/training/{_cohort(app).id}").status_code == 404
    assert sessions("research").get(f"/training/{_cohort(app).id}/scores").status_code == 404


def _user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


# -- conferral -------------------------------------------------------------------------------------

def test_the_conferral_numbers_certificates_in_the_register(app, county, sessions):
    office = sessions("county")
    cohort = _cohort(app)
    assert sessions("leader").post(f"/conferral/counties/{county['county']}/cohorts/{cohort.id}").status_code == 404
    assert office.post(f"/conferral/counties/{county['county']}/cohorts/{cohort.id}").status_code == 302
    propose = _open_task(app, "propose")
    page = office.get(f"/tasks/{propose}").get_data(as_text=True)
    assert "conferral-list" in page
    assert office.post(f"/tasks/{propose}", data={"proposal_confirmed": "true", "_action": "submit"}).status_code in (302, 303)
    approve = _open_task(app, "approve")
    assert office.post(f"/tasks/{approve}", data={"approval_decision": "approve", "approval_comment": "同意",
                                                  "_action": "submit"}).status_code == 404
    leader = sessions("leader")
    # Returned once: the office reads the comment on its step and proposes again.
    assert leader.post(f"/tasks/{approve}", data={"approval_decision": "return", "approval_comment": "请核对学科",
                                                  "_action": "submit"}).status_code in (302, 303)
    propose = _open_task(app, "propose")
    assert "请核对学科" in office.get(f"/tasks/{propose}").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(TitleHolding).count() == 0
    assert office.post(f"/tasks/{propose}", data={"proposal_confirmed": "true", "_action": "submit"}).status_code in (302, 303)
    approve = _open_task(app, "approve")
    assert leader.post(f"/tasks/{approve}", data={"approval_decision": "approve", "approval_comment": "同意授予",
                                                  "_action": "submit"}).status_code in (302, 303)
    with app.app_context():
        titles = db.session.scalars(select(TitleHolding).order_by(TitleHolding.certificate_no)).all()
        holders = sorted(t.holder.username for t in titles)
        numbers = [t.certificate_no for t in titles]
        first = titles[0]
        assert holders == ["t016", "t017", "t021"]
        year = date.today().year
        assert numbers == [f"530101-{year}-0303-{n:04d}" for n in (1, 2, 3)]
        assert first.valid_until == first.valid_from.replace(year=first.valid_from.year + 5)
        assert first.allowance_monthly == 300 and first.allowance_from.day == 1 and first.allowance_from > first.conferred_on
        assert [e.kind for e in first.events] == ["conferred", "allowance_started"]


def test_the_career_record_shows_training_results_and_links_each_certificate(app, sessions):
    users = {u: _user_id(app, u) for u in ("t016", "t018")}
    with app.app_context():
        number = db.session.scalar(select(TitleHolding.certificate_no).where(TitleHolding.user_id == users["t016"]))
    page = sessions("t016").get(f"/annual/career/{users['t016']}").get_data(as_text=True)
    training = page[page.index('id="career-training"'):]
    assert "考核合格" in training and "82" in training
    assert f'href="/conferral/verify/{number}"' in page
    assert sessions("t016").get(f"/conferral/verify/{number}").status_code == 200
    # An eliminated trainee reads the result and the reason; the career record stays their own.
    page = sessions("t018").get(f"/annual/career/{users['t018']}").get_data(as_text=True)
    training = page[page.index('id="career-training"'):]
    assert "已淘汰" in training and "54" in training
    assert sessions("t018").get(f"/annual/career/{users['t016']}").status_code == 404


def test_the_certificate_pdf_carries_the_holder_number_and_a_font_that_renders(app, sessions):
    from pypdf import PdfReader

    with app.app_context():
        title = db.session.scalar(select(TitleHolding).join(User, User.id == TitleHolding.user_id)
                                  .where(User.username == "t016"))
        title_id, number, name = title.id, title.certificate_no, title.holder.display_name
    response = sessions("t016").get(f"/conferral/certificates/{title_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = re.sub(r"[\s\x00]+", "", PdfReader(io.BytesIO(response.data)).pages[0].extract_text())
    assert name in text and number in text and "骨干教师" in text and "荣誉证书" in text
    # Set in the simplified-Chinese font (a pan-CJK font printed 骨 in its Taiwan form).
    fonts = {str(font["/BaseFont"]) for font in PdfReader(io.BytesIO(response.data)).pages[0]["/Resources"]["/Font"].values()
             for font in [font.get_object()]}
    assert any("NotoSerifSC" in font for font in fonts), fonts
    assert sessions("t017").get(f"/conferral/certificates/{title_id}.pdf").status_code == 404
    assert sessions("sqcounty").get(f"/conferral/certificates/{title_id}.pdf").status_code == 404
    assert sessions("county").get(f"/conferral/certificates/{title_id}.pdf").status_code == 200


def test_the_public_verification_page_shows_only_what_it_should(app, client):
    with app.app_context():
        title = db.session.scalar(select(TitleHolding).order_by(TitleHolding.id))
        number, name = title.certificate_no, title.holder.display_name
        school = title.organisation.name
    page = client.get(f"/conferral/verify/{number}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and name in text and number in text and "有效" in text
    assert school not in text                                # no other personal data
    forged = client.get(f"/conferral/verify/{number[:-1]}9")
    assert forged.status_code == 404
    assert "查无此证书编号" in forged.get_data(as_text=True)
    assert client.get("/conferral/verify/%3Cscript%3E").status_code == 404
    with app.test_request_context():
        from webapp import register

        title = db.session.scalar(select(TitleHolding).where(TitleHolding.certificate_no == number))
        register.revoke(title, date.today(), "年度考核不合格")
        db.session.commit()
    assert "已撤销" in client.get(f"/conferral/verify/{number}").get_data(as_text=True)


def test_the_public_list_and_the_register_page(app, county, client, sessions):
    names = _names(app)
    page = client.get(f"/conferral/public/{county['county']}").get_data(as_text=True)
    assert names["t016"] in page and names["t021"] in page and names["t018"] not in page
    assert client.get("/conferral/public/999999").status_code == 404
    office = sessions("county")
    register = office.get(f"/conferral/register/{county['county']}").get_data(as_text=True)
    assert register.count("data-title-id") == 3
    revoked = office.get(f"/conferral/register/{county['county']}?status=revoked").get_data(as_text=True)
    assert revoked.count("data-title-id") == 1 and "年度考核不合格" in revoked


def test_another_county_sees_nothing_of_it(app, county, sessions):
    cohort = _cohort(app)
    with app.app_context():
        from webapp.processes.conferral.models import Conferral

        conferral_id = db.session.scalar(select(Conferral.id))
    outsider = sessions("sqcounty")
    for url in (f"/training/{cohort.id}", f"/training/{cohort.id}/plan", f"/training/{cohort.id}/attendance",
                f"/training/{cohort.id}/scores", f"/conferral/{conferral_id}",
                f"/conferral/register/{county['county']}", "/training/mentoring"):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/training/{cohort.id}/import/scores").status_code == 404
    assert outsider.post(f"/conferral/counties/{county['county']}/cohorts/{cohort.id}").status_code == 404


def test_a_certificate_for_someone_who_failed_is_refused(app):
    from webapp import register
    from webapp.processes.conferral import operations
    from webapp.processes.conferral.models import Conferral, ConferralEntry

    with app.test_request_context():
        conferral = db.session.scalar(select(Conferral))
        failed = db.session.scalar(select(Trainee).join(User, User.id == Trainee.teacher_id).where(User.username == "t018"))
        conferral.entries.append(ConferralEntry(trainee_id=failed.id, user_id=failed.teacher_id))
        before = db.session.query(TitleHolding).count()
        with pytest.raises(register.RegisterError):
            operations.confer_all(conferral)
        db.session.rollback()
        assert db.session.query(TitleHolding).count() == before


def test_the_pages_in_english_have_no_chinese_but_user_data(app, county, sessions):
    from webapp.processes.training.models import PracticeRecord, TrainingSession

    people = {name: sessions(name) for name in ("county", "training", "t016", "research_cn", "leader")}
    for session in people.values():
        session.get("/inbox")  # shows (and so drops) what earlier tests flashed in Chinese
    with app.app_context():
        allowed = user_entered_values()
        allowed += [v for v in db.session.scalars(select(TrainingSession.topic))]
        for kind, content, comment in db.session.execute(
                select(PracticeRecord.kind, PracticeRecord.content, PracticeRecord.mentor_comment)):
            allowed += [v for v in (kind, content, comment) if v]
        allowed += [v for v in db.session.scalars(select(Trainee.status_reason)) if v and "|" not in v]
        allowed += [v for v in db.session.scalars(select(TitleHolding.status_reason)) if v]
        allowed.sort(key=len, reverse=True)
        for user in db.session.scalars(select(User).where(User.username.in_(list(people)))):
            user.locale = "en"
        db.session.commit()
    problems = []
    try:
        for username, session in people.items():
            for url, page in crawl(session, ["/training/", "/conferral/", f"/conferral/public/{county['county']}"], 60).items():
                for snippet in chinese_left(page, allowed) if page else []:
                    problems.append(f"{username} {url}: …{snippet}…")
    finally:
        with app.app_context():
            for user in db.session.scalars(select(User).where(User.username.in_(list(people)))):
                user.locale = None
            db.session.commit()
    assert not problems, "\n".join(problems[:20])


def _names_ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(User.username, User.id)).all())


def _wait(app, job_url: str) -> None:
    from webapp.imports.jobs import wait

    wait(app, int(job_url.rstrip("/").rsplit("/", 1)[1]))


def _holders_job(app, office, base: str, sheet):
    """Upload a holders sheet, wait for its background check, return the job's page."""
    response = office.post(base, data={"sheet": (sheet, "h.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    job_url = response.headers["Location"]
    _wait(app, job_url)
    page = office.get(job_url)
    assert page.status_code == 200
    return page


def _holds_county_backbone(username: str, conferred_on: date) -> int:
    """The teacher's id, holding an active county backbone title: conferred here (not committed)
    unless an earlier test of this module gave it, so each test also runs on its own."""
    from webapp import register

    teacher = db.session.scalar(select(User).where(User.username == username))
    held = db.session.scalar(select(TitleHolding.id).filter_by(
        user_id=teacher.id, level="county", category="backbone", active=True))
    if held is None:
        register.confer(user_id=teacher.id, level="county", category="backbone", conferred_on=conferred_on,
                        term_years=5, subject=None, org_id=teacher.profile.school_id,
                        county_id=teacher.profile.school.parent_id, allowance_monthly=None, source="test")
    return teacher.id


def test_existing_title_holders_are_imported_from_excel_all_or_nothing(app, county, sessions):
    from openpyxl import load_workbook

    with app.test_request_context():  # t017 holds the title (the conferral test before this one gives it)
        _holds_county_backbone("t017", date(2023, 9, 1))
        db.session.commit()
    office = sessions("county")
    base = f"/conferral/register/{county['county']}/import"
    template = office.get(f"{base}/template.xlsx")
    assert template.status_code == 200
    header = [c.value for c in load_workbook(io.BytesIO(template.data)).active[2]]
    names = _names(app)
    rows = [["用户名"], header,
            ["t001", names["t001"], "county", "backbone", "mathematics", "OLD-2022-001", "2022-09-01", "2027-09-01", 300],
            ["t004", names["t004"], "县级", "学科带头人", "chinese", "OLD-2023-002", "2023-09-01", "2028-09-01", ""]]
    bad = rows + [["t017", names["t017"], "county", "backbone", "", "OLD-2023-003", "2023-09-01", "2028-09-01", ""],
                  ["t007", "某某", "county", "backbone", "", "OLD-2022-001", "2023-09-01", "2022-09-01", "abc"],
                  ["nobody", "", "county", "backbone", "", "X", "2023-09-01", "2028-09-01", ""],
                  ["q001", "", "county", "backbone", "", "Y", "2023-09-01", "2028-09-01", ""]]
    # A sheet with problems: checked in the background, refused with every row's problem; nothing saved.
    page = _holders_job(app, office, base, _xlsx(bad)).get_data(as_text=True)
    assert 'data-status="refused"' in page
    problems = page[page.index("import-problems"):]
    assert problems.count("<li>") >= 4, problems[:2000]      # t017 (holds it), t007, nobody, q001
    with app.app_context():
        assert db.session.scalar(select(TitleHolding.id).where(TitleHolding.source == "import")) is None
    wrong = _xlsx([["a", "b"], ["c", "d"]])
    refused = office.post(base, data={"sheet": (wrong, "w.xlsx")}, content_type="multipart/form-data")
    assert refused.status_code == 422 and "import-problems" in refused.get_data(as_text=True)  # refused at once
    assert office.post(base, data={}, content_type="multipart/form-data").status_code == 422  # no file
    # A good sheet: checked, a preview, nothing saved until applied.
    preview = _holders_job(app, office, base, _xlsx(rows))
    page = preview.get_data(as_text=True)
    assert 'data-status="checked"' in page and "OLD-2023-002" in page
    with app.app_context():
        assert db.session.scalar(select(TitleHolding.id).where(TitleHolding.source == "import")) is None
    job_url = preview.request.path
    assert sessions("sqcounty").get(job_url).status_code == 404          # another county's office
    applied = office.post(f"{job_url}/apply")
    assert applied.status_code == 302
    _wait(app, job_url)
    assert 'data-status="applied"' in office.get(job_url).get_data(as_text=True)
    assert office.post(f"{job_url}/apply").status_code == 409              # applied once only
    with app.app_context():
        imported = db.session.scalars(select(TitleHolding).where(TitleHolding.source == "import")
                                      .order_by(TitleHolding.id)).all()
        assert [(t.holder.username, t.category, t.valid_until) for t in imported] == [
            ("t001", "backbone", date(2027, 9, 1)), ("t004", "academic_leader", date(2028, 9, 1))]
        assert [e.kind for e in imported[0].events] == ["imported", "allowance_started"]
    again = _holders_job(app, office, base, _xlsx(rows)).get_data(as_text=True)
    assert 'data-status="refused"' in again and again.count("已持有该称号") == 2   # titles held now
    assert office.get(base).status_code == 200 and job_url in office.get(base).get_data(as_text=True)
    # While a job runs, its page shows the progress and refreshes itself (the office may leave and come back).
    from webapp.people.models import ImportJob

    with app.app_context():
        running = ImportJob(kind="title_holders", org_id=county["county"], created_by_id=_names_ids(app)["county"],
                            file_name="big.xlsx", status="checking", total=40000, done=10000)
        db.session.add(running)
        db.session.commit()
        running_id = running.id
    page = office.get(f"{base}/{running_id}").get_data(as_text=True)
    assert 'id="job-progress"' in page and 'value="25"' in page and 'http-equiv="refresh"' in page
    assert office.get(f"/admin/people/imports/{running_id}").status_code == 404   # not a people import
    assert sessions("sqcounty").get(base).status_code == 404
    assert sessions("training").get(f"{base}/template.xlsx").status_code == 404


def test_the_bulk_import_keeps_the_registers_rule_of_one_active_title(app, county):
    from webapp.register import RegisterError
    from webapp.register.bulk import HeldTitle, import_titles

    with app.test_request_context():
        user_id = _holds_county_backbone("t001", date(2022, 9, 1))  # the import test before gave it; alone, here
        held = HeldTitle(user_id=user_id, level="county", category="backbone", conferred_on=date(2024, 1, 1),
                         valid_until=date(2029, 1, 1), certificate_no="NEW-1")
        before = db.session.query(TitleHolding).count()
        with pytest.raises(RegisterError):
            import_titles([held], county_id=1)
        other = HeldTitle(user_id=user_id, level="county", category="famous_teacher", conferred_on=date(2024, 1, 1),
                          valid_until=date(2029, 1, 1), certificate_no="NEW-2")
        with pytest.raises(RegisterError):
            import_titles([other, other], county_id=1)
        assert db.session.query(TitleHolding).count() == before
        db.session.rollback()
