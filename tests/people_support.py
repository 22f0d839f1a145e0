"""Shared steps of the people-administration tests: ids by name, teachers' workbooks written with openpyxl."""
from __future__ import annotations

import io
import re
from datetime import date

from openpyxl import Workbook

from webapp.people.idnumber import make
from webapp.people.importing.sheet import HEADERS, SHEET_TITLE


def org_id(app, code: str) -> int:
    from webapp.extensions import db
    from webapp.models import Organisation

    with app.app_context():
        return db.session.query(Organisation.id).filter_by(code=code).scalar()


def user_id(app, username: str) -> int:
    from webapp.extensions import db
    from webapp.models import User

    with app.app_context():
        return db.session.query(User.id).filter_by(username=username).scalar()


def teacher_rows(count: int, school: str = "530101-01", start: int = 0) -> list[list]:
    """`count` valid rows (identity numbers with correct checksums, different people)."""
    rows = []
    for index in range(start, start + count):
        born = date(1970 + index % 30, 1 + index % 12, 1 + index % 28)
        rows.append([school, f"导入教师{index:05d}", make("610921", born, index % 1000), None, None,
                     date(born.year + 22 + index % 5, 9, 1), "本科", "一级教师", "数学", None, "教师", f"imp{index:05d}"])
    return rows


def workbook(rows: list[list], headers=HEADERS, title: str = SHEET_TITLE, edit=None) -> bytes:
    """An .xlsx with the header and rows; `edit(sheet)` changes it before saving."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    if edit is not None:
        edit(sheet)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def upload(session, data: bytes, name: str = "teachers.xlsx", password: str = "Start-2026-hy"):
    """POST the file to the import page."""
    return session.post("/admin/people/imports", data={"file": (io.BytesIO(data), name), "initial_password": password},
                        content_type="multipart/form-data")


def job_of(response) -> int:
    match = re.search(r"/admin/people/imports/(\d+)$", response.headers.get("Location", ""))
    assert match, response.get_data(as_text=True)[:2000]
    return int(match.group(1))


def finished_job(app, session, data: bytes, apply: bool = False):
    """Upload, wait for the check (and the apply); return the job row's status, summary and problems."""
    from webapp.extensions import db
    from webapp.people.importing.jobs import wait
    from webapp.people.models import ImportJob

    job_id = job_of(upload(session, data))
    wait(app, job_id)
    if apply:
        response = session.post(f"/admin/people/imports/{job_id}/apply")
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        wait(app, job_id)
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        return job_id, job.status, dict(job.summary or {}), list(job.problems or [])
