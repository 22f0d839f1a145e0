"""Reports of the later processes (annual reviews, rotation plans and due lists, trainees, conferred
titles) and the several-counties report: scoped, exported to .xlsx, printable."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from webapp.extensions import db

from .people_support import org_id


def _cells(html: str) -> list[list[str]]:
    """The report table's rows (body and total, not the header) as lists of cell texts."""
    table = html.split('id="report-table"')[1].split("</table>")[0]
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row) for row in table.split("<tr>")[2:]]


@pytest.fixture
def processed(app, demo):
    """Rows of each process in 汉阴县 and in a second county, 石泉县, entered directly (the processes
    themselves are tested in their own files): the reports only read them."""
    from webapp.demo import add_second_county
    from webapp.demo_training import finished_review
    from webapp.models import Organisation, TitleHolding, User
    from webapp.processes.annual_review.models import AnnualReview, AnnualReviewRound, AnnualReviewStatus
    from webapp.processes.conferral.models import Conferral, ConferralEntry, ConferralStatus
    from webapp.processes.rotation_plan.models import (DueEntry, Nomination, NominationStatus, PlanStatus, Rotation,
                                                       RotationPlan, RotationStatus)
    from webapp.processes.training.models import CohortStatus, Trainee, TraineeStatus, TrainingCohort

    with app.app_context():
        add_second_county()
        db.session.commit()
    today = date.today()
    names = {}
    with app.app_context():
        hanyin = db.session.query(Organisation).filter_by(code="530101").one()
        shiquan = db.session.query(Organisation).filter_by(code="530102").one()

        def user(username):
            found = db.session.query(User).filter_by(username=username).one()
            names[username] = found.display_name
            return found

        def title(holder, cert, status="active"):
            row = TitleHolding(user_id=holder.id, level="county", category="backbone", certificate_no=cert,
                               valid_from=today - timedelta(days=400), valid_until=today + timedelta(days=1400),
                               active=status == "active", status=status)
            db.session.add(row)
            db.session.flush()
            return row

        # annual reviews: 2025 in both counties, one 2024 review in 汉阴县
        for county, year, rows in ((hanyin, 2025, [("t001", AnnualReviewStatus.passed), ("t002", AnnualReviewStatus.revoked),
                                                   ("t003", AnnualReviewStatus.summary)]),
                                   (hanyin, 2024, [("t005", AnnualReviewStatus.passed)]),
                                   (shiquan, 2025, [("q001", AnnualReviewStatus.passed)])):
            round_ = AnnualReviewRound(county_id=county.id, school_year=year)
            db.session.add(round_)
            db.session.flush()
            for username, status in rows:
                holder = user(username)
                db.session.add(AnnualReview(round_id=round_.id, title_id=title(holder, f"A-{username}-{year}").id,
                                            user_id=holder.id, county_id=county.id, school_id=holder.profile.school_id,
                                            school_year=year, status=status))
        # rotation plans: t004 due and sent (support), t006 due and exempted; q002 due in 石泉县
        plans = {}
        for county in (hanyin, shiquan):
            plans[county.code] = RotationPlan(county_id=county.id, year=today.year, status=PlanStatus.running,
                                              start_date=today, end_date=today + timedelta(days=365),
                                              nomination_deadline=today)
            db.session.add(plans[county.code])
        db.session.flush()
        t004, t006, q002 = user("t004"), user("t006"), user("q002")
        plan = plans["530101"]
        for person, form in ((t004, "support"), (t006, "exchange")):
            db.session.add(DueEntry(plan_id=plan.id, user_id=person.id, school_id=person.profile.school_id,
                                    rule="new_urban_teacher", form=form, reason_zh=f"原因{person.username}",
                                    reason_en=f"reason {person.username}"))
        db.session.add(DueEntry(plan_id=plans["530102"].id, user_id=q002.id, school_id=q002.profile.school_id,
                                rule="new_urban_teacher", form="support", reason_zh="原因q002", reason_en="reason q002"))
        sent = Nomination(plan_id=plan.id, user_id=t004.id, school_id=t004.profile.school_id,
                          status=NominationStatus.nominated, form="support", source="due")
        db.session.add_all([sent, Nomination(plan_id=plan.id, user_id=t006.id, school_id=t006.profile.school_id,
                                             status=NominationStatus.exempted, form="exchange", source="due",
                                             exemption_reason="病假")])
        db.session.flush()
        db.session.add(Rotation(plan_id=plan.id, nomination_id=sent.id, user_id=t004.id, form="support",
                                sending_school_id=t004.profile.school_id, start_date=today,
                                end_date=today + timedelta(days=365), status=RotationStatus.active, explanation=[]))
        # training and conferral: 汉阴县 t036, t037 passed (conferred; t037's title since revoked), t038
        # eliminated, t039 in training; 石泉县 q003 passed and conferred
        for county, statuses in ((hanyin, {"t036": TraineeStatus.passed, "t037": TraineeStatus.passed,
                                           "t038": TraineeStatus.eliminated, "t039": TraineeStatus.active}),
                                 (shiquan, {"q003": TraineeStatus.passed})):
            review = finished_review(county, "famous_teacher", list(statuses), [])
            cohort = TrainingCohort(office_id=county.id, review_id=review.id, cycle_id=review.cycle_id, level="county",
                                    category="famous_teacher", status=CohortStatus.done)
            db.session.add(cohort)
            db.session.flush()
            conferral = Conferral(cohort_id=cohort.id, office_id=county.id, level="county", category="famous_teacher",
                                  status=ConferralStatus.conferred, conferred_on=today)
            db.session.add(conferral)
            db.session.flush()
            for candidate in review.candidates:
                holder = db.session.get(User, candidate.teacher_id)
                names[holder.username] = holder.display_name
                trainee = Trainee(cohort_id=cohort.id, candidate_id=candidate.id, teacher_id=holder.id,
                                  school_id=candidate.school_id, subject=candidate.subject, joined_on=today,
                                  status=statuses[holder.username])
                db.session.add(trainee)
                db.session.flush()
                if trainee.status is TraineeStatus.passed:
                    status = "revoked" if holder.username == "t037" else "active"
                    db.session.add(ConferralEntry(conferral_id=conferral.id, trainee_id=trainee.id, user_id=holder.id,
                                                  title_id=title(holder, f"F-{holder.username}", status).id))
        db.session.commit()
        ids = {"plan": plan.id, "other_plan": plans["530102"].id, "hanyin": hanyin.id, "shiquan": shiquan.id,
               "city": hanyin.parent_id}
    return {"names": names, **ids}


def test_annual_outcomes_per_school_year_scoped_and_exported(app, processed, login):
    county = login("county")
    html = county.get("/admin/people/reports/annual").get_data(as_text=True)
    assert "2025–2026" in html and "2024–2025" in html  # both years offered, the latest shown
    rows = _cells(html)
    # columns: school, in progress, passed, revoked, void, total; 石泉县's q001 is not counted
    assert rows[-1][1:] == ["1", "1", "1", "0", "3"]
    assert "石泉县城关中学" not in html
    assert _cells(county.get("/admin/people/reports/annual?year=2024").get_data(as_text=True))[-1][1:] == \
        ["0", "1", "0", "0", "1"]
    assert county.get("/admin/people/reports/annual?year=1999").status_code == 404
    city = _cells(login("city").get("/admin/people/reports/annual").get_data(as_text=True))
    assert city[-1][1:] == ["1", "2", "1", "0", "4"]
    response = county.get("/admin/people/reports/annual?year=2025&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == "学校" and values[-1][1:] == [1, 1, 1, 0, 3]


def test_school_reads_its_own_annual_reviews_only(app, processed, login):
    s1admin = login("s1admin")
    html = s1admin.get("/admin/people/reports/annual").get_data(as_text=True)
    rows = _cells(html)
    assert [row[0] for row in rows[:-1]] == ["汉阴县第一中学"] and "data-print" in html
    assert s1admin.get(f"/admin/people/reports/annual?org={processed['shiquan']}").status_code == 404


def test_rotation_plan_and_due_list(app, processed, login):
    county = login("county")
    html = county.get("/admin/people/reports/rotations").get_data(as_text=True)
    rows = _cells(html)
    # columns: school, form, due, nominated, exempted, planned, at the receiving school, completed
    assert rows[-1][2:] == ["2", "1", "1", "0", "1", "0"]
    assert any(row[1] == "支教（城镇到乡村）" or "支教" in row[1] for row in rows[:-1]), rows
    due = county.get("/admin/people/reports/rotation-due").get_data(as_text=True)
    names = processed["names"]
    assert names["t004"] in due and names["t006"] in due and "原因t004" in due and names["q002"] not in due
    assert county.get(f"/admin/people/reports/rotation-due?plan={processed['other_plan']}").status_code == 404
    other = login("sqcounty").get("/admin/people/reports/rotation-due").get_data(as_text=True)
    assert names["q002"] in other and names["t004"] not in other
    sheet = load_workbook(io.BytesIO(county.get("/admin/people/reports/rotation-due?format=xlsx").data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert {row[0] for row in values[2:]} == {names["t004"], names["t006"]}


def test_trainees_and_conferred_titles_with_register_status(app, processed, login):
    county = login("county")
    rows = _cells(county.get("/admin/people/reports/trainees").get_data(as_text=True))
    # columns: cohort, school, in training, passed, eliminated, withdrawn, total
    assert rows[-1][2:] == ["1", "2", "1", "0", "4"]
    html = county.get("/admin/people/reports/conferred").get_data(as_text=True)
    conferred = {row[4]: row for row in _cells(html)}
    assert set(conferred) == {"F-t036", "F-t037"}
    assert conferred["F-t036"][-1] == "有效" and conferred["F-t037"][-1] == "已撤销"
    city = {row[4] for row in _cells(login("city").get("/admin/people/reports/conferred").get_data(as_text=True))}
    assert city == {"F-t036", "F-t037", "F-q003"}
    assert "F-t036" not in login("sqcounty").get("/admin/people/reports/conferred").get_data(as_text=True)


def test_several_counties_in_one_table_grouped_by_county(app, processed, login):
    city = login("city")
    html = city.get("/admin/people/reports/counties").get_data(as_text=True)
    rows = _cells(html)
    subtotals = {row[0]: row[2:] for row in rows if row[1] == "小计"}
    # columns: active, revoked, lapsed, expired, total
    assert set(subtotals) == {"汉阴县", "石泉县"}
    assert subtotals["石泉县"] == ["2", "0", "0", "0", "2"]  # q001's and q003's titles
    assert subtotals["汉阴县"] == ["5", "1", "0", "0", "6"]  # t001, t002, t003, t005, t036 active; t037 revoked
    first_shiquan = next(i for i, row in enumerate(rows) if row[0] == "石泉县")
    assert all(row[0] == "汉阴县" for row in rows[:first_shiquan])  # grouped: one county's block, then the next
    assert rows[-1][2:] == ["7", "1", "0", "0", "8"]
    one = _cells(city.get(f"/admin/people/reports/counties?county={processed['shiquan']}").get_data(as_text=True))
    assert {row[0] for row in one[:-1]} == {"石泉县"}
    both = city.get(f"/admin/people/reports/counties?county={processed['shiquan']}&county={processed['hanyin']}"
                    "&format=xlsx")
    sheet = load_workbook(io.BytesIO(both.data)).active
    assert [cell.value for cell in list(sheet.iter_rows())[-1]] == ["合计", None, 7, 1, 0, 0, 8]
    assert 'name="county"' in html and "data-print" in html
    assert login("county").get("/admin/people/reports/counties").status_code == 404
    assert city.get(f"/admin/people/reports/counties?county={org_id(app, '530101-01')}").status_code == 404


def test_english_report_pages_have_no_chinese_but_user_data(app, processed, login):
    from .english_scan import scan

    start = ("/admin/people/reports/annual", "/admin/people/reports/rotations", "/admin/people/reports/rotation-due",
             "/admin/people/reports/trainees", "/admin/people/reports/conferred", "/admin/people/reports/counties")
    visited: set = set()
    problems = scan(app, {"city": login("city")}, start=start, limit=len(start), visited=visited)
    assert problems == [], problems
    assert {path for path in visited if path.startswith("/admin/people/reports/")} == set(start)
