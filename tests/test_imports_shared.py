"""The layer both Excel imports share (`webapp.imports`): the streaming sheet reader gives what
openpyxl gives and refuses what openpyxl would let through; bulk inserts store what an INSERT would
store (COPY on PostgreSQL); lookups of many values find every one of them."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from webapp.extensions import db


def _book(write_only: bool = False) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("数据") if write_only else book.active
    if not write_only:
        sheet.title = "数据"
    sheet.append(["文本", "日期", "整数", "小数", "真假", None, "时刻"])
    for n in range(40):
        sheet.append([f" 名字{n} ", date(1980, 1, 1 + n % 28), n, n / 4, n % 2 == 0, None, datetime(2020, 5, 6, 7, 8, 9)])
    sheet.append([])
    sheet.append([None, None, None, None, None, None, None, "远处"])
    if not write_only:
        sheet["A3"].font = Font(bold=True)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _openpyxl_rows(data: bytes) -> list:
    sheet = load_workbook(io.BytesIO(data), read_only=True)["数据"]
    rows = []
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = {index: value for index, value in enumerate(cells) if value is not None}
        if values:
            rows.append((number, values))
    return rows


@pytest.mark.parametrize("write_only", [False, True])
def test_the_reader_gives_what_openpyxl_gives(app, write_only):
    from webapp.imports.xlsx import Workbook as Reader

    data = _book(write_only)
    with app.test_request_context():
        book = Reader(data)
        sheet = book.sheet("数据")
        mine = [(number, values) for number, values in sheet.rows() if values]
        size = sheet.size()
    expected = _openpyxl_rows(data)
    assert mine == expected
    assert mine[1][1][1] == datetime(1980, 1, 1) and mine[1][1][4] is True and mine[-1] == (43, {7: "远处"})
    assert size == 43


def _refusal(app, data: bytes) -> list:
    from flask_babel import force_locale

    from webapp.imports.xlsx import LayoutError, Workbook as Reader

    with app.test_request_context(), force_locale("en"):
        try:
            list(Reader(data).sheet().rows())
        except LayoutError as error:
            return [(p.row, p.column, p.message) for p in error.problems]
    return []


def _rewritten(data: bytes, part: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == part else content)
    return output.getvalue()


def test_formulas_merged_cells_doctypes_bombs_and_strangers_are_refused(app):
    book = Workbook()
    sheet = book.active
    sheet.append(["a", "b"])
    sheet.append([1, "=A2*2"])
    output = io.BytesIO()
    book.save(output)
    assert _refusal(app, output.getvalue()) == [(2, "B", "Formulas are not allowed: paste the values instead.")]

    sheet["B2"] = 2
    sheet.merge_cells("A1:B1")
    output = io.BytesIO()
    book.save(output)
    problems = _refusal(app, output.getvalue())
    assert len(problems) == 1 and problems[0][0] == 1 and "Merged" in problems[0][2]

    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    plain = _book()
    entity = _rewritten(plain, "xl/worksheets/sheet1.xml", lambda content: laughs + content.split(b"?>", 1)[-1])
    assert "not a readable Excel workbook" in _refusal(app, entity)[0][2]

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("[Content_Types].xml", "xl/workbook.xml"):
            archive.writestr(name, "<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 50_000_000 + b"/>")
    assert "zip bomb" in _refusal(app, bomb.getvalue())[0][2]
    assert "not an Excel workbook" in _refusal(app, b"PK\x03\x04 not really a zip")[0][2]
    damaged = bytearray(plain)
    sheet_at = damaged.find(b"xl/worksheets/sheet1.xml") + 200  # inside the sheet's packed bytes
    damaged[sheet_at:sheet_at + 64] = b"\x00" * 64
    assert "not a readable Excel workbook" in _refusal(app, bytes(damaged))[0][2]
    assert "not an Excel workbook" in _refusal(app, b"name,id\nx,1\n")[0][2]


def test_a_formula_in_a_holders_sheet_refuses_it_naming_the_cell(app, demo):
    from webapp.processes.conferral import holders_import

    book = Workbook()
    sheet = book.active
    sheet.append(holders_import.HEADERS_ZH)
    sheet.append(holders_import.COLUMNS)
    sheet.append(["t001", "=B1", "county", "backbone", "chinese", "X-1", "2022-09-01", "2027-09-01", 300])
    output = io.BytesIO()
    book.save(output)
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        from webapp.models import Organisation

        county = db.session.scalar(db.select(Organisation).filter_by(name="汉阴县"))
        sheet_read = holders_import.read(county, output.getvalue())
    assert sheet_read.rows == []
    assert sheet_read.problems == ["Row 3, column B: Formulas are not allowed: paste the values instead."]


def test_the_first_sheets_rows_are_padded_lists_read_no_further_than_asked(app, monkeypatch):
    """`first_sheet_rows`, which the training sheets and the holders import read through: each row a list
    up to its last filled cell, rows the sheet leaves out skipped, nothing read past the last row asked
    for (so one row more than allowed tells a sheet too long), the workbook closed either way."""
    from flask_babel import force_locale

    from webapp.imports import rows, xlsx
    from webapp.processes.conferral import holders_import
    from webapp.processes.training import excel

    book = Workbook()
    sheet = book.active
    sheet.append(["a", None, "c"])
    sheet["B3"] = 2                      # row 2 is left out of the sheet
    for n in range(4, 8):
        sheet.append([n])
    book.create_sheet("second").append(["not", "read"])
    output = io.BytesIO()
    book.save(output)
    data = output.getvalue()
    closed = []
    close = xlsx.Workbook.close
    monkeypatch.setattr(xlsx.Workbook, "close", lambda self: (closed.append(True), close(self))[1])
    everything = [(1, ["a", None, "c"]), (3, [None, 2]), (4, [4]), (5, [5]), (6, [6]), (7, [7])]
    assert list(rows.first_sheet_rows(data, 100)) == everything
    assert list(rows.first_sheet_rows(data, 4)) == everything[:3]
    assert len(closed) == 2
    with app.test_request_context(), force_locale("en"):
        # Both callers count the sheet's last row number, not the rows it holds (the header is row 1,
        # the holders' template has two).
        monkeypatch.setattr(excel, "MAX_ROWS", 5)
        assert excel.read_sheet(None, "attendance", data).problems == ["At most 5 rows per sheet."]
        monkeypatch.setattr(excel, "MAX_ROWS", 6)
        assert excel.read_sheet(None, "attendance", data).problems == [
            "Row 1 must have a column “name” and a column “username”."]
        monkeypatch.setattr(holders_import, "MAX_ROWS", 4)
        assert holders_import.read(None, data).problems == ["At most 4 rows per sheet."]
        monkeypatch.setattr(holders_import, "MAX_ROWS", 5)
        assert holders_import.read(None, data).problems[0].startswith("Use the template: row 2 must name the columns")
        assert holders_import.layout_problems(data)[0].startswith("Use the template")
        assert excel.read_sheet(None, "attendance", b"not a workbook").problems == [
            "The file is not an Excel workbook (.xlsx): start from the template."]
    assert len(closed) == 7


def test_bulk_inserts_store_what_an_insert_stores_and_lookups_find_every_value(app, demo):
    from sqlalchemy import insert, select

    from webapp.imports.bulk import insert_rows
    from webapp.imports.lookup import matching
    from webapp.models import Organisation, TitleEvent, TitleHolding, User
    from webapp.people.models import RoleGrantEvent
    from webapp.register.bulk import HeldTitle, import_titles
    from webapp.roles import Role

    with app.app_context():
        actor = db.session.scalar(select(User).filter_by(username="county"))
        org_id = db.session.scalar(select(Organisation.id).filter_by(name="汉阴县"))
        base = {"user_id": actor.id, "org_id": org_id, "actor_id": actor.id, "reason": "测试\t换行\n“引号”"}
        insert_rows(RoleGrantEvent, [{**base, "role": Role.teacher, "action": "grant"} for _n in range(3)])
        db.session.execute(insert(RoleGrantEvent), [{**base, "role": Role.teacher, "action": "revoke"}])
        db.session.flush()
        stored = db.session.execute(select(RoleGrantEvent.role, RoleGrantEvent.action, RoleGrantEvent.reason,
                                           RoleGrantEvent.created_dt).where(RoleGrantEvent.reason == base["reason"])
                                    .order_by(RoleGrantEvent.id)).all()
        assert [(role, action) for role, action, _r, _d in stored] == [(Role.teacher, "grant")] * 3 + [(Role.teacher, "revoke")]
        assert all(reason == base["reason"] for _role, _action, reason, _d in stored)
        assert all(created is not None and created.tzinfo is not None for *_rest, created in stored)
        db.session.execute(insert(User), [{"username": "bulk-new", "display_name": "新人", "password_hash": "x"}])
        newcomer = db.session.scalar(select(User.id).filter_by(username="bulk-new"))
        assert import_titles([HeldTitle(user_id=newcomer, level="county", category="backbone", conferred_on=date(2024, 1, 15),
                                        valid_until=date(2029, 1, 15), certificate_no="BULK-1", allowance_monthly=300)],
                             county_id=org_id, actor_id=actor.id) == 1
        title = db.session.scalar(select(TitleHolding).filter_by(certificate_no="BULK-1"))
        assert (title.user_id, title.status, title.allowance_from, title.source) == (newcomer, "active", date(2024, 2, 1), "import")
        events = db.session.execute(select(TitleEvent.kind, TitleEvent.details, TitleEvent.on_date)
                                    .where(TitleEvent.title_id == title.id).order_by(TitleEvent.id)).all()
        assert [(str(kind), details, day) for kind, details, day in events] == [
            ("imported", {"certificate_no": "BULK-1"}, date(2024, 1, 15)),
            ("allowance_started", {"amount": 300}, date(2024, 2, 1))]
        names = list(db.session.scalars(select(User.username)))
        found = set()
        for condition in matching(User.username, names + ["nobody-has-this-name"] * 1000):
            found |= set(db.session.scalars(select(User.username).where(condition)))
        assert found == set(names)
        db.session.rollback()
