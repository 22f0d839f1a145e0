"""The service-history template: the four sheets with their headers, filled with the county's current
data (so editing and uploading it again updates), and a sheet of instructions the reader ignores."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from ....extensions import db
from ....models import EmploymentRecord, Organisation, Posting, PostingKind, StaffingNeed, User
from ...self_application.labels import subject_label
from ..due import county_schools
from .sheets import GRADE_NAMES, PEOPLE, POSITION_NAMES, POSTINGS, SCHOOLS, SHEETS, STAFFING

INSTRUCTIONS = [
    "填写说明 How to fill in",
    "每个工作表第 1 行为表头，请勿修改、合并或增删列；不要使用公式，请粘贴数值。",
    "Row 1 of each sheet is the header: do not change, merge, add or remove columns; no formulas, paste values.",
    "日期格式 YYYY-MM-DD；是/否 填“是”或“否”；结束日期为空表示仍在任。",
    "Dates as YYYY-MM-DD; yes/no as 是 or 否; an empty end date means still serving.",
    "上传后先预览，确认无误再导入；有任何错误时不会导入任何数据。",
    "After uploading you see a preview; nothing is imported while any row has a problem.",
]


def build_template(county: Organisation) -> bytes:
    """The workbook as bytes."""
    book = Workbook()
    book.remove(book.active)
    sheets = {}
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.title)
        ws.append([column.title for column in sheet.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for index in range(len(sheet.columns)):
            ws.column_dimensions[ws.cell(row=1, column=index + 1).column_letter].width = 22
        sheets[sheet.key] = ws
    _fill(county, sheets)
    notes = book.create_sheet("说明 Instructions")
    for line in INSTRUCTIONS:
        notes.append([line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill(county: Organisation, sheets: dict) -> None:
    schools = county_schools(county)
    by_id = {s.id: s for s in schools}
    for s in schools:
        sheets[SCHOOLS.key].append([s.code, s.name, "农村" if s.is_rural else "城区", "是" if s.is_weak else "否",
                                    s.school_group or "", s.supervision_district or "",
                                    by_id[s.paired_school_id].code if s.paired_school_id in by_id else ""])
    for need in db.session.scalars(select(StaffingNeed).where(StaffingNeed.school_id.in_(by_id))
                                   .order_by(StaffingNeed.school_id, StaffingNeed.subject)):
        sheets[STAFFING.key].append([by_id[need.school_id].code, subject_label(need.subject, english=False), need.balance])
    postings = db.session.scalars(select(Posting).where(Posting.school_id.in_(by_id),
                                                        Posting.kind == PostingKind.appointment)
                                  .order_by(Posting.user_id, Posting.start_date)).all()
    user_ids = sorted({p.user_id for p in postings})
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    for record in db.session.scalars(select(EmploymentRecord).where(EmploymentRecord.user_id.in_(user_ids))
                                     .order_by(EmploymentRecord.user_id)):
        user = users[record.user_id]
        sheets[PEOPLE.key].append([user.username, user.display_name, record.hire_date.isoformat(),
                                   GRADE_NAMES.get(record.title_grade, record.title_grade),
                                   subject_label(record.subject, english=False) if record.subject else "",
                                   "是" if record.plans_senior_title else "否"])
    for p in postings:
        user = users[p.user_id]
        sheets[POSTINGS.key].append([user.username, user.display_name, by_id[p.school_id].code,
                                     POSITION_NAMES[p.position.value], p.start_date.isoformat(),
                                     p.end_date.isoformat() if p.end_date else "", "是" if p.personnel_moved else "否"])
