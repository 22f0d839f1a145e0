"""Service history by Excel: template, a good sheet, every kind of bad sheet refused (nothing changed),
and a re-import that updates without duplicating."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import EmploymentRecord, Organisation, Posting, StaffingNeed

from .rotation_support import build, empty_database, keep_database, sessions

clean_database = keep_database


@pytest.fixture(scope="module")
def county(app):
    """The demo with rotation facts (no plan); the county office's session."""
    build(app, with_plan=False)
    yield sessions(app)("county")
    empty_database(app)


def _template(county):
    response = county.get("/rotation/history/template.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def _upload(county, book, lang="zh_Hans_CN"):
    buffer = io.BytesIO()
    book.save(buffer)
    return county.post(f"/rotation/history/import?lang={lang}", data={"workbook": (io.BytesIO(buffer.getvalue()), "履历.xlsx")},
                       content_type="multipart/form-data")


def _state(app) -> tuple:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Posting)),
                db.session.scalar(select(func.count()).select_from(StaffingNeed)),
                sorted((o.code, o.is_weak, o.school_group) for o in db.session.scalars(select(Organisation))),
                sorted((r.user_id, r.title_grade, r.hire_date) for r in db.session.scalars(select(EmploymentRecord))))


def test_the_template_holds_the_current_data_and_reimporting_it_changes_nothing(app, county):
    book = _template(county)
    assert book.sheetnames[:4] == ["学校 Schools", "学科编制 Staffing", "人员 People", "任职经历 Postings"]
    assert book["学校 Schools"].max_row == 9  # header + eight schools
    before = _state(app)
    response = _upload(county, book)
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    page = response.get_data(as_text=True)
    assert 'id="import-preview"' in page
    upload_id = int(page.split('action="/rotation/history/import/', 1)[1].split('"', 1)[0])
    assert county.post(f"/rotation/history/import/{upload_id}").status_code == 302
    assert _state(app) == before
    assert county.post(f"/rotation/history/import/{upload_id}").status_code == 409  # applied once only


def test_a_good_sheet_updates_and_adds_and_a_second_import_does_not_duplicate(app, county):
    book = _template(county)
    schools = book["学校 Schools"]
    schools["D3"] = "是"  # 城关小学 becomes weak
    schools["E3"] = "新城教育集团"
    book["学科编制 Staffing"].append(["530101-08", "英语", 3])
    postings = book["任职经历 Postings"]
    postings.append(["t013", None, "530101-06", "教师", "2005-09-01", "2008-08-31", "是"])
    with app.app_context():
        t013 = db.session.scalar(select(Posting).join(Posting.user).where(Posting.user.has(username="t013")))
        first_start = t013.start_date
    assert first_start.isoformat() > "2008-08-31"  # the added posting fits before the present one
    for attempt in range(2):
        response = _upload(county, book)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, page[-3000:]
        upload_id = int(page.split('action="/rotation/history/import/', 1)[1].split('"', 1)[0])
        preview = page.split('id="import-preview"', 1)[1]
        postings_row = preview.split('data-sheet="postings"', 1)[1].split("</tr>", 1)[0]
        assert ("<td>1</td>" in postings_row) is (attempt == 0)  # one new posting the first time only
        assert county.post(f"/rotation/history/import/{upload_id}").status_code == 302
    with app.app_context():
        school = db.session.scalar(select(Organisation).filter_by(code="530101-02"))
        assert school.is_weak and school.school_group == "新城教育集团"
        need = db.session.scalar(select(StaffingNeed).join(Organisation).where(Organisation.code == "530101-08",
                                                                              StaffingNeed.subject == "english"))
        assert need.balance == 3
        count = db.session.scalar(select(func.count()).select_from(Posting).join(Posting.user)
                                  .where(Posting.user.has(username="t013")))
        assert count == 2


def _bad(book_change):
    def make(county):
        book = _template(county)
        book_change(book)
        return book
    return make


def _rename_header(book):
    book["学校 Schools"]["C1"] = "城乡"


def _formula(book):
    book["学科编制 Staffing"]["C2"] = "=1+1"


def _merged_header(book):
    book["人员 People"].merge_cells("A1:B1")


def _missing_sheet(book):
    del book["任职经历 Postings"]


def _unknown_school(book):
    book["任职经历 Postings"].append(["t001", None, "530101-99", "教师", "2001-09-01", "2002-08-31", "是"])


def _end_before_start(book):
    book["任职经历 Postings"].append(["t001", None, "530101-03", "教师", "2003-09-01", "2002-08-31", "是"])


def _overlap(book):
    book["任职经历 Postings"].append(["t001", None, "530101-03", "教师", "2001-09-01", None, "是"])


def _unknown_person(book):
    book["人员 People"].append(["nobody", None, "2001-09-01", "中级", None, "否"])


def _bad_grade(book):
    book["人员 People"]["D2"] = "特级"


@pytest.mark.parametrize("change,sheet,row,column,message", [
    (_rename_header, "学校 Schools", "1", "C", "表头应为"),
    (_formula, "学科编制 Staffing", "2", "C", "不能使用公式"),
    (_merged_header, "人员 People", "1", "A", "合并单元格"),
    (_missing_sheet, "任职经历 Postings", "", "", "缺少工作表"),
    (_unknown_school, "任职经历 Postings", "LAST", "C", "未知学校"),
    (_end_before_start, "任职经历 Postings", "LAST", "F", "结束日期必须晚于开始日期"),
    (_overlap, "任职经历 Postings", "LAST", "E", "重叠"),
    (_unknown_person, "人员 People", "LAST", "A", "未知人员"),
    (_bad_grade, "人员 People", "2", "D", "应为以下之一"),
])
def test_bad_sheets_are_refused_with_sheet_row_and_column_and_change_nothing(app, county, change, sheet, row, column, message):
    before = _state(app)
    book = _template(county)
    change(book)
    if row == "LAST":
        row = str(book[sheet].max_row)
    response = _upload(county, book)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[-2000:]
    problems = page.split('id="import-problems"', 1)[1].split("</section>", 1)[0]
    assert f"<td>{sheet}</td><td>{row}</td><td>{column}</td>" in problems, problems
    assert message in problems, problems
    assert 'id="import-preview"' not in page
    assert _state(app) == before


def test_a_file_that_is_not_a_workbook_is_refused_in_english_too(app, county):
    response = county.post("/rotation/history/import?lang=en", data={"workbook": (io.BytesIO(b"name,school\n"), "x.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "not a readable Excel workbook" in response.get_data(as_text=True)
