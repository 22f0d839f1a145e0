"""The Excel import of teachers: template, checks with row and column, preview then all or nothing,
re-import updates instead of duplicating, bad sheets refused without a 500, and who may import."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from webapp.extensions import db

from .people_support import finished_job, job_of, org_id, teacher_rows, upload, workbook


@pytest.fixture
def county(login):
    return login("county")


def _people(app, prefix="imp"):
    from webapp.models import EmploymentRecord, RoleAssignment, TeacherProfile, User

    with app.app_context():
        users = db.session.query(User).filter(User.username.like(f"{prefix}%")).count()
        profiles = db.session.query(TeacherProfile).join(User, User.id == TeacherProfile.user_id) \
            .filter(User.username.like(f"{prefix}%")).count()
        records = db.session.query(EmploymentRecord).join(User, User.id == EmploymentRecord.user_id) \
            .filter(User.username.like(f"{prefix}%")).count()
        roles = db.session.query(RoleAssignment).join(User, User.id == RoleAssignment.user_id) \
            .filter(User.username.like(f"{prefix}%")).count()
        return users, profiles, records, roles


def test_template_has_the_chinese_headers(county):
    response = county.get("/admin/people/imports/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["教师"]
    assert [c.value for c in sheet[1]][:4] == ["学校代码", "姓名", "身份证号", "性别"]


def test_preview_then_apply_then_reimport_updates(app, county):
    data = workbook(teacher_rows(30))
    job_id, status, summary, problems = finished_job(app, county, data)
    assert (status, problems) == ("checked", [])
    assert summary["rows"] == 30 and summary["new"] == 30 and summary["update"] == 0
    page = county.get(f"/admin/people/imports/{job_id}").get_data(as_text=True)
    assert 'id="preview"' in page and "导入教师00000" in page
    assert _people(app) == (0, 0, 0, 0)  # the preview changed nothing
    assert county.post(f"/admin/people/imports/{job_id}/apply").status_code == 302
    from webapp.people.importing.jobs import wait

    wait(app, job_id)
    assert _people(app) == (30, 30, 30, 30)
    assert county.post(f"/admin/people/imports/{job_id}/apply").status_code == 409  # applied once only
    # The same sheet with one name changed: updated, not duplicated.
    rows = teacher_rows(30)
    rows[3][1] = "改名教师"
    _job, status, summary, _p = finished_job(app, county, workbook(rows), apply=True)
    assert status == "applied" and summary["created"] == 0 and summary["updated"] == 30
    assert _people(app) == (30, 30, 30, 30)
    from webapp.models import User

    with app.app_context():
        renamed = db.session.query(User).filter_by(username="imp00003").one()
        assert renamed.display_name == "改名教师" and renamed.must_change_password
        assert renamed.profile.subject == "mathematics" and renamed.profile.professional_title == "intermediate"
    # New people log in with the import's temporary password and must change it.
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "imp00001", "password": "Start-2026-hy"}).status_code == 302
    assert fresh.get("/inbox").headers["Location"].endswith("/admin/people/account")


def test_every_problem_names_row_and_column_and_nothing_is_applied(app, county):
    rows = teacher_rows(5)
    rows[1][2] = rows[1][2][:-1] + ("0" if rows[1][2][-1] != "0" else "1")  # checksum broken
    rows[2][0] = "530102-01"  # a school of another county
    rows[3][6] = "小学"  # not a degree
    rows[4][5] = "2999-01-01"
    rows.append(list(teacher_rows(1)[0]))  # repeats the first row's identity number
    _job, status, summary, problems = finished_job(app, county, workbook(rows))
    assert status == "refused"
    places = {(p["row"], p["column"]) for p in problems}
    assert {(3, "C"), (4, "A"), (5, "G"), (6, "F"), (7, "C")} <= places
    assert _people(app) == (0, 0, 0, 0)


def test_someone_elses_person_is_not_taken_over(app, login, county):
    from webapp.demo import add_second_county

    with app.app_context():
        add_second_county()
        db.session.commit()
    _job, status, _s, _p = finished_job(app, login("sqcounty"), workbook(teacher_rows(2, school="530102-01")), apply=True)
    assert status == "applied"
    _job, status, _s, problems = finished_job(app, county, workbook(teacher_rows(2)))
    assert status == "refused" and problems[0]["column"] == "C"


def _zip_with(parts: dict[str, bytes]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return output.getvalue()


def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    return _zip_with({info.filename: (content if info.filename == name else source.read(info.filename))
                      for info in source.infolist()})


def _empty_rows_sheet() -> bytes:
    """The template's sheet followed by 10 MB of empty rows."""
    data = workbook(teacher_rows(1))
    source = zipfile.ZipFile(io.BytesIO(data))
    xml = source.read("xl/worksheets/sheet1.xml")
    padding = b"".join(b'<row r="%d" spans="1:12"/>' % n for n in range(3, 3 + 400_000))
    xml = xml.replace(b"</sheetData>", padding + b"</sheetData>")
    xml = xml.replace(b'<dimension ref="A1:L2"/>', b'<dimension ref="A1:L400002"/>')
    return _replace_part(data, "xl/worksheets/sheet1.xml", xml)


def _merged_header(sheet):
    sheet.merge_cells("A1:B1")


def _formula(sheet):
    sheet["J2"] = "=1+1"


BAD_SHEETS = {
    "wrong_layout": (lambda: workbook(teacher_rows(2), headers=("学校", "名字") + tuple("CDEFGHIJKL")), "表头"),
    "formula": (lambda: workbook(teacher_rows(2), edit=_formula), "公式"),
    "merged_header": (lambda: workbook(teacher_rows(2), edit=_merged_header), "合并"),
    "renamed_text": (lambda: "学校代码,姓名\n530101-01,张三\n".encode("utf-8"), "不是 Excel"),
    "zip_bomb": (lambda: _zip_with({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>",
                                    "xl/worksheets/sheet1.xml": b"\0" * (5 * 1024 * 1024)}), "压缩"),
    "empty_rows": (_empty_rows_sheet, "行"),
    "other_sheet": (lambda: workbook(teacher_rows(2), title="Sheet1"), "教师"),
}


@pytest.mark.parametrize("kind", sorted(BAD_SHEETS))
def test_bad_sheets_are_refused_with_a_message(app, county, kind):
    make, words = BAD_SHEETS[kind]
    response = upload(county, make())
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 422:
        message = response.get_data(as_text=True)
    else:
        from webapp.people.importing.jobs import wait

        job_id = job_of(response)
        wait(app, job_id)
        page = county.get(f"/admin/people/imports/{job_id}")
        assert page.status_code == 200
        message = page.get_data(as_text=True)
        assert 'data-status="refused"' in message
    assert words in message, kind
    assert _people(app) == (0, 0, 0, 0)


def test_weak_initial_password_and_missing_file(county):
    response = county.post("/admin/people/imports", data={"initial_password": "12345678"}, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="initial_password-error"' in html and 'id="file-error"' in html


@pytest.mark.parametrize("username", ["t001", "s1admin", "research"])
def test_only_managers_import(app, login, county, username):
    job_id = job_of(upload(county, workbook(teacher_rows(1))))
    from webapp.people.importing.jobs import wait

    wait(app, job_id)
    person = login(username)
    assert person.get("/admin/people/imports").status_code == 404
    assert person.get(f"/admin/people/imports/{job_id}").status_code == 404
    assert person.post(f"/admin/people/imports/{job_id}/apply").status_code == 404
    assert upload(person, workbook(teacher_rows(1))).status_code == 404


def test_another_countys_office_cannot_see_the_job(app, login, county):
    from webapp.demo import add_second_county
    from webapp.people.importing.jobs import wait

    with app.app_context():
        add_second_county()
        db.session.commit()
    job_id = job_of(upload(county, workbook(teacher_rows(1))))
    wait(app, job_id)
    other = login("sqcounty")
    assert other.get(f"/admin/people/imports/{job_id}").status_code == 404
    assert other.post(f"/admin/people/imports/{job_id}/apply").status_code == 404


def test_apply_checks_the_database_again(app, county):
    """A school deactivated between the preview and the apply: nothing is applied, the row is named."""
    from webapp.people.importing.jobs import wait
    from webapp.people.models import ImportJob

    job_id, status, _s, _p = finished_job(app, county, workbook(teacher_rows(3)))
    assert status == "checked"
    assert county.post(f"/admin/people/orgs/{org_id(app, '530101-01')}/active", data={"active": "0"}).status_code == 302
    assert county.post(f"/admin/people/imports/{job_id}/apply").status_code == 302
    wait(app, job_id)
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job.status == "failed" and [(p["row"], p["column"]) for p in job.problems] == [(2, "A"), (3, "A"), (4, "A")]
    assert _people(app) == (0, 0, 0, 0)


def test_an_unexpected_error_ends_the_job_without_keeping_the_password_hash(app, county, monkeypatch):
    """The initial password's hash waits in the job's summary between the check and the apply; a job
    that fails on an error nobody foresaw must not keep it either."""
    import webapp.people.importing.jobs as jobs

    job_id, status, summary, _p = finished_job(app, county, workbook(teacher_rows(2)))
    assert status == "checked" and "password_hash" in summary

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "apply_teachers", broken)
    assert county.post(f"/admin/people/imports/{job_id}/apply").status_code == 302
    jobs.wait(app, job_id)
    with app.app_context():
        job = db.session.get(jobs.ImportJob, job_id)
        assert job.status == "failed"
        assert job.problems[0]["message"] == "RuntimeError: disk full"
        assert "password_hash" not in (job.summary or {})
    assert _people(app) == (0, 0, 0, 0)
