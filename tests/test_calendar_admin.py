"""The working-day calendar page: who may use it, adding, changing, deleting, importing, refusals."""
from __future__ import annotations

import logging
import re
from datetime import date

import pytest

from webapp.calendar import add_working_days
from webapp.calendar.editing import today
from webapp.extensions import db
from webapp.models import CalendarDay

NATIONAL_DAY_2026 = """\
2026-10-01 holiday 国庆节
2026-10-02 holiday 国庆节
2026-10-05 holiday 国庆节
2026-10-06 holiday 国庆节
2026-10-07 holiday 国庆节
2026-10-10 workday 国庆节调休
"""


def _rows(app) -> dict[date, tuple[bool, str]]:
    """Every recorded exception: day → (is_workday, name)."""
    with app.app_context():
        db.session.remove()
        return {row.day: (row.is_workday, row.name) for row in db.session.query(CalendarDay)}


def _add_working_days(app, start: date, count: int) -> date:
    with app.app_context():
        db.session.remove()
        return add_working_days(start, count)


def _save(session, day, kind, name="", **query):
    return session.post("/admin/calendar", data={"day": day, "kind": kind, "name": name, "year": "2026"}, query_string=query)


def _import(session, lines, **query):
    return session.post("/admin/calendar/import", data={"lines": lines, "year": "2026"}, query_string=query)


def test_page_shows_the_year_with_list_grid_and_year_links(app, login):
    admin = login("admin")
    assert _save(admin, "2026-10-01", "holiday", "国庆节").status_code == 302
    html = admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert 'data-day="2026-10-01"' in html and "国庆节" in html and "星期四" in html
    assert "?year=2025" in html and "?year=2027" in html
    assert html.count('class="month"') == 12
    assert 'class="holiday" title="2026-10-01' in html  # the grid marks it
    assert 'class="weekend" title="2026-10-03"' in html
    assert 'name="csrf_token"' in html
    # 2026 has 261 weekdays; one of them is now a holiday.
    assert "260" in html


def test_default_year_is_this_year(app, login):
    html = login("admin").get("/admin/calendar?year=nonsense").get_data(as_text=True)
    with app.app_context():
        assert f"{today().year}</h1>" in html


def test_add_change_and_delete_a_day(app, login, caplog):
    caplog.set_level(logging.INFO, logger="webapp.calendar.editing")
    admin = login("admin")
    # Thursday 2026-11-19 + 2 working days is Monday 23rd, until Friday 20th becomes a holiday.
    assert _add_working_days(app, date(2026, 11, 19), 2) == date(2026, 11, 23)
    response = _save(admin, "2026-11-20", "holiday", "校庆")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/calendar?year=2026")
    assert _rows(app) == {date(2026, 11, 20): (False, "校庆")}
    assert _add_working_days(app, date(2026, 11, 19), 2) == date(2026, 11, 24)

    # Change: same date again replaces the entry.
    assert _save(admin, "2026-11-20", "holiday", "建校七十周年").status_code == 302
    assert _rows(app) == {date(2026, 11, 20): (False, "建校七十周年")}
    assert "建校七十周年" in admin.get("/admin/calendar?year=2026&edit=2026-11-20").get_data(as_text=True)

    # A make-up Saturday counts as a working day.
    assert _save(admin, "2026-11-21", "workday", "调休").status_code == 302
    assert _add_working_days(app, date(2026, 11, 19), 2) == date(2026, 11, 23)

    # Delete both: back to the plain week.
    for day in ("2026-11-20", "2026-11-21"):
        response = admin.post(f"/admin/calendar/{day}/delete")
        assert response.status_code == 302
    assert _rows(app) == {}
    assert _add_working_days(app, date(2026, 11, 19), 2) == date(2026, 11, 23)
    logged = caplog.text
    assert "admin added 2026-11-20 as holiday '校庆'" in logged
    assert "admin changed 2026-11-20 from holiday '校庆' to holiday '建校七十周年'" in logged
    assert "admin deleted 2026-11-21" in logged
    html = admin.post("/admin/calendar/2026-11-20/delete", follow_redirects=True).get_data(as_text=True)
    assert "2026-11-20" in html and "没有" in html  # "there is no entry", nothing happens
    assert admin.post("/admin/calendar/not-a-date/delete").status_code == 404


def test_import_records_the_holiday_notice(app, login):
    admin = login("admin")
    _save(admin, "2026-10-01", "holiday", "旧名称")
    lines = "# 国务院办公厅关于2026年部分节假日安排的通知\n\n" + NATIONAL_DAY_2026 + "2026-10-08 休 国庆节\n"
    response = _import(admin, lines, lang="en")
    assert response.status_code == 302
    rows = _rows(app)
    assert len(rows) == 7
    assert rows[date(2026, 10, 1)] == (False, "国庆节")  # replaced
    assert rows[date(2026, 10, 10)] == (True, "国庆节调休")
    flashed = admin.get("/admin/calendar?year=2026&lang=en").get_data(as_text=True)
    assert "6 added, 1 changed, 0 already recorded" in flashed
    # From Wednesday 30 September: 9 Oct (Fri), 10 Oct (Sat, make-up), 12, 13, 14.
    assert _add_working_days(app, date(2026, 9, 30), 5) == date(2026, 10, 14)


def test_import_with_an_error_on_line_3_changes_nothing(app, login):
    admin = login("admin")
    _save(admin, "2026-10-01", "holiday", "国庆节")
    before = _rows(app)
    lines = "2026-10-02 holiday 国庆节\n2026-10-05 holiday 国庆节\n2026-10-32 holiday 国庆节\n2026-10-06 holiday 国庆节\n"
    response = _import(admin, lines)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "第 3 行" in html and "2026-10-32" in html
    assert "第 1 行" not in html and "第 2 行" not in html and "第 4 行" not in html
    assert "2026-10-06 holiday 国庆节" in html  # the text is kept for correcting
    assert _rows(app) == before


def test_import_reports_every_bad_line_by_number(app, login):
    admin = login("admin")
    lines = "\n".join(
        [
            "2026-10-01 holiday 国庆节",
            "2026-10-01 holiday 国庆节",  # duplicate of line 1
            "2026-10-03 holiday 国庆节",  # Saturday: a day off anyway
            "2026-10-09 workday 调休",  # Friday: a working day anyway
            "2026-10-12 vacation 休假",
            "2026-10-13",
            "2026-10-14 holiday " + "长" * 101,
        ]
    )
    response = _import(admin, lines, lang="en")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for number in range(2, 8):
        assert f"Line {number}:" in html
    assert "Line 1:" not in html
    assert "already given on line 1" in html
    assert _rows(app) == {}
    assert _import(admin, "\n# only a comment\n").status_code == 422


@pytest.mark.parametrize(
    "day, kind, fragment",
    [
        ("2026-10-03", "holiday", "一周中本来就休息"),  # Saturday holiday: redundant
        ("2026-10-12", "workday", "本来就是工作日"),  # Monday working day: redundant
        ("2026/10/01", "holiday", "不是有效日期"),
        ("2026-02-30", "holiday", "不是有效日期"),
        ("2026-10-01", "vacation", "不是有效的日子类型"),
    ],
)
def test_bad_or_redundant_day_is_refused_in_chinese(app, login, day, kind, fragment):
    admin = login("admin")
    response = _save(admin, day, kind, "国庆节")
    assert response.status_code == 422
    assert fragment in response.get_data(as_text=True)
    assert _rows(app) == {}


def test_messages_in_english_and_long_name(app, login):
    admin = login("admin")
    response = _save(admin, "2026-10-03", "holiday", "国庆节", lang="en")
    assert response.status_code == 422
    assert "2026-10-03 is a Saturday, which is a day off anyway" in response.get_data(as_text=True)
    response = _save(admin, "2026-10-01", "holiday", "长" * 101, lang="en")
    assert response.status_code == 422 and "at most 100 characters" in response.get_data(as_text=True)
    assert _save(admin, "2026-10-01", "holiday", "长" * 100).status_code == 302
    assert _rows(app) == {date(2026, 10, 1): (False, "长" * 100)}


def test_county_office_may_edit(app, login):
    county = login("county")
    assert "/admin/calendar" in county.get("/inbox").get_data(as_text=True)
    assert county.get("/admin/calendar").status_code == 200
    assert _save(county, "2026-10-01", "holiday", "国庆节").status_code == 302
    assert _rows(app) == {date(2026, 10, 1): (False, "国庆节")}
    assert county.get("/admin/processes").status_code == 404  # the rest of admin stays sysadmin-only


@pytest.mark.parametrize("username", ["t001", "s1admin"])
def test_others_are_refused(app, login, username):
    admin = login("admin")
    _save(admin, "2026-10-01", "holiday", "国庆节")
    other = login(username)
    assert "/admin/calendar" not in other.get("/inbox").get_data(as_text=True)
    assert other.get("/admin/calendar").status_code == 404
    assert _save(other, "2026-10-02", "holiday", "国庆节").status_code == 404
    assert _import(other, "2026-10-05 holiday 国庆节").status_code == 404
    assert other.post("/admin/calendar/2026-10-01/delete").status_code == 404
    assert _rows(app) == {date(2026, 10, 1): (False, "国庆节")}


def test_anonymous_is_sent_to_login(app, client, demo):
    response = client.get("/admin/calendar")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_writes_need_the_csrf_token(app, login):
    admin = login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert _save(admin, "2026-10-01", "holiday", "国庆节").status_code == 400
        html = admin.get("/admin/calendar?year=2026").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        response = admin.post("/admin/calendar", data={"day": "2026-10-01", "kind": "holiday", "name": "国庆节", "csrf_token": token})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _rows(app) == {date(2026, 10, 1): (False, "国庆节")}
