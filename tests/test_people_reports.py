"""Reports: scoped to the reader's organisation, exported to .xlsx, printable, with server-drawn charts."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from webapp.extensions import db

from .people_support import org_id, user_id


@pytest.fixture
def titled(app, demo):
    """Titles at two schools of 汉阴县 (one expiring soon, one lapsed, one revoked) and one in 石泉县, each
    with its register status (`TitleHolding.status`; `active` follows it)."""
    from webapp.demo import add_second_county
    from webapp.models import TitleHolding

    today = date.today()
    with app.app_context():
        add_second_county()
        db.session.commit()
    with app.app_context():
        rows = [("t001", "county", "backbone", today + timedelta(days=100), "active"),
                ("t004", "city", "academic_leader", today + timedelta(days=1000), "active"),
                ("t007", "county", "backbone", today - timedelta(days=10), "lapsed"),
                ("t002", "county", "backbone", today + timedelta(days=300), "revoked"),
                ("q001", "county", "famous_teacher", today + timedelta(days=50), "active")]
        for username, level, category, until, status in rows:
            db.session.add(TitleHolding(user_id=user_id(app, username), level=level, category=category,
                                        certificate_no=f"C-{username}", valid_from=until - timedelta(days=5 * 365),
                                        valid_until=until, active=status == "active", status=status))
        db.session.commit()
    return demo


def test_county_report_counts_its_schools_only(app, titled, login):
    html = login("county").get("/admin/people/reports").get_data(as_text=True)
    assert "汉阴县第一中学" in html and "石泉县城关中学" not in html
    assert "<svg" in html and "<rect" in html  # the charts, drawn on the server
    table = html.split('id="report-table"')[1]
    total = table.split("<tfoot>")[1]
    # columns: active, revoked, lapsed, expired (the register's states). active: t001, t004; revoked: t002
    # (at school 2 of 汉阴县); lapsed: t007; 石泉县's q001 not counted
    assert [int(x) for x in __import__("re").findall(r">(\d+)<", total)] == [2, 1, 1, 0, 4]
    assert "已失效" in table and "已撤销" in table


def test_school_sees_its_own_and_no_one_elses(app, titled, login):
    s1admin = login("s1admin")
    html = s1admin.get("/admin/people/reports/expiring?months=12").get_data(as_text=True)
    assert "C-t001" in html and "C-t002" not in html and "C-q001" not in html
    assert s1admin.get(f"/admin/people/reports?org={org_id(app, '530101-02')}").status_code == 404
    assert s1admin.get(f"/admin/people/reports?org={org_id(app, '530101')}").status_code == 404


@pytest.mark.parametrize("username, status", [("t001", 404), ("s1c1", 404), ("research", 404), ("sqcounty", 404),
                                              ("county", 200), ("city", 200), ("province", 200), ("admin", 200)])
def test_reports_in_and_out_of_scope(app, titled, login, username, status):
    school = org_id(app, "530101-01")
    for path in ("/admin/people/reports", "/admin/people/reports/expiring", "/admin/people/reports/applications",
                 "/admin/people/reports/quota", "/admin/people/reports/rankings"):
        assert login(username).get(f"{path}?org={school}").status_code == status, path


def test_expiring_within_six_and_twelve_months_exports_to_xlsx(app, titled, login):
    county = login("county")
    six = county.get("/admin/people/reports/expiring?months=6").get_data(as_text=True)
    assert "C-t001" in six and "C-t007" not in six and "C-t002" not in six
    response = county.get("/admin/people/reports/expiring?months=12&format=xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == "姓名" and any(row[4] == "C-t001" for row in values[2:])
    assert not any(row[4] == "C-q001" for row in values[2:])


def test_city_groups_by_county_and_province_by_city(app, titled, login):
    html = login("city").get("/admin/people/reports").get_data(as_text=True)
    assert "汉阴县" in html and "石泉县" in html
    html = login("city").get("/admin/people/reports?by=level").get_data(as_text=True)
    assert "市级" in html and "县级" in html
    html = login("province").get("/admin/people/reports").get_data(as_text=True)
    assert "示范市" in html


def test_applications_report_and_print_button(app, titled, login):
    from .helpers import cycle_id_for, declaration, start_application, submit

    teacher = login("t001")
    assert submit(teacher, start_application(teacher, cycle_id_for(app, "backbone", "t001")), declaration()).status_code == 302
    html = login("county").get("/admin/people/reports/applications").get_data(as_text=True)
    row = [line for line in html.split('id="report-table"')[1].split("<tr>") if "汉阴县第一中学" in line][0]
    assert ">1<" in row
    assert "data-print" in html


def _rows(html: str) -> dict[str, list[int]]:
    """The report table's body rows: first cell (links removed) → the numbers after it."""
    import re

    body = html.split('id="report-table"')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        rows[cells[0]] = [int(value) for value in cells[1:]]
    return rows


def test_city_counts_per_county_and_drills_down_to_a_county(app, titled, login):
    city = login("city")
    html = city.get("/admin/people/reports").get_data(as_text=True)
    # active, revoked, lapsed, expired, total: 汉阴县 has t001, t004 (active), t002 (revoked), t007 (lapsed)
    assert _rows(html) == {"汉阴县": [2, 1, 1, 0, 4], "石泉县": [1, 0, 0, 0, 1]}
    county = org_id(app, "530101")
    link = f'href="/admin/people/reports?org={county}&amp;by=org">汉阴县</a>'
    assert link in html
    drilled = city.get(f"/admin/people/reports?org={county}&by=org").get_data(as_text=True)
    assert _rows(drilled) == {"汉阴县第一中学": [2, 0, 1, 0, 3], "汉阴县城关小学": [0, 1, 0, 0, 1]}
    assert "石泉县" not in drilled.split('id="report-table"')[1]


def test_province_counts_per_city_with_a_link_and_a_school_has_no_link(app, titled, login):
    html = login("province").get("/admin/people/reports").get_data(as_text=True)
    assert _rows(html) == {"示范市": [3, 1, 1, 0, 5]}
    assert f'href="/admin/people/reports?org={org_id(app, "5301")}&amp;by=org">示范市</a>' in html
    school = login("s1admin").get("/admin/people/reports").get_data(as_text=True)
    assert _rows(school) == {"汉阴县第一中学": [2, 0, 1, 0, 3]}
    assert "<a href" not in school.split('id="report-table"')[1].split("</table>")[0]


def test_groupings_other_than_organisation_count_the_same_holders(app, titled, login):
    county = login("county")
    by_level = _rows(county.get("/admin/people/reports?by=level").get_data(as_text=True))
    assert by_level == {"县级": [1, 1, 1, 0, 3], "市级": [1, 0, 0, 0, 1]}
    by_status = _rows(county.get("/admin/people/reports?by=status").get_data(as_text=True))
    assert sorted(row[-1] for row in by_status.values()) == [1, 1, 2]
    by_subject = _rows(county.get("/admin/people/reports?by=subject").get_data(as_text=True))
    assert sum(row[-1] for row in by_subject.values()) == 4 and "数学" in by_subject
    # the charts count active titles only: county-level backbone (t001) and municipal academic leader (t004)
    html = county.get("/admin/people/reports").get_data(as_text=True)
    assert "<title>县级 · 骨干教师: 1</title>" in html and "<title>市级 · 学科带头人: 1</title>" in html
    assert "<title>县级 · 教学名师: 0</title>" in html


def test_long_tables_come_in_pages_and_print_and_export_whole(app, titled, login, monkeypatch):
    from webapp.people.reports import pages

    monkeypatch.setattr(pages, "PAGE_ROWS", 2)
    county = login("county")
    first = county.get("/admin/people/reports?by=status").get_data(as_text=True)
    second = county.get("/admin/people/reports?by=status&page=2").get_data(as_text=True)
    assert len(_rows(first)) == 2 and len(_rows(second)) == 1
    assert set(_rows(first)) | set(_rows(second)) == {"有效", "已撤销", "已失效"}
    assert "第 1–2 行，共 3 行" in first and "第 3–3 行，共 3 行" in second
    for html in (first, second):  # the totals are over every row, on every page
        total = html.split('id="report-table"')[1].split("<tfoot>")[1]
        assert [int(x) for x in __import__("re").findall(r">(\d+)<", total)] == [2, 1, 1, 0, 4]
    assert 'id="print-all"' in first and "data-print" not in first.split('id="report-table"')[0]
    printed = county.get("/admin/people/reports?by=status&print=1").get_data(as_text=True)
    assert len(_rows(printed)) == 3 and 'id="report-pages"' not in printed and "data-print" in printed
    assert len(_rows(county.get("/admin/people/reports?by=status&page=99").get_data(as_text=True))) == 1  # the last
    sheet = load_workbook(io.BytesIO(county.get("/admin/people/reports?by=status&page=2&format=xlsx").data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == ["已失效", "已撤销", "有效", "合计"]
