"""The layout of the teachers' workbook: one sheet, a Chinese header row, one teacher per row."""
from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation


@dataclass(frozen=True)
class Column:
    """A column: its key, its header (exactly as in the template), whether it must be filled."""

    key: str
    title: str
    required: bool = False
    width: int = 14


SHEET_TITLE = "教师"
COLUMNS = (
    Column("school", "学校代码", True),
    Column("name", "姓名", True, 10),
    Column("id_number", "身份证号", True, 22),
    Column("gender", "性别"),
    Column("birth_date", "出生日期"),
    Column("hire_date", "入职日期", True),
    Column("education", "学历", True),
    Column("title", "职称", True),
    Column("subject", "学科", True),
    Column("years", "教龄"),
    Column("roles", "角色", False, 24),
    Column("username", "用户名", False, 16),
)
HEADERS = tuple(column.title for column in COLUMNS)
KEYS = tuple(column.key for column in COLUMNS)
MAX_ROWS = 50_000

EDUCATION = {"中专": "secondary", "高中": "secondary", "中师": "secondary", "大专": "associate", "专科": "associate",
             "本科": "bachelor", "学士": "bachelor", "硕士": "master", "研究生": "master", "博士": "doctor",
             "secondary": "secondary", "associate": "associate", "bachelor": "bachelor", "master": "master",
             "doctor": "doctor"}
TITLES = {"无": "none", "未定级": "none", "初级": "junior", "二级教师": "junior", "三级教师": "junior",
          "中级": "intermediate", "一级教师": "intermediate", "高级": "senior", "高级教师": "senior",
          "正高级": "full_senior", "正高级教师": "full_senior", "none": "none", "junior": "junior",
          "intermediate": "intermediate", "senior": "senior", "full_senior": "full_senior"}
ROLES = {"教师": "teacher", "评定委员会成员": "school_committee", "评委": "school_committee",
         "学校管理员": "school_admin", "校长": "school_admin", "teacher": "teacher",
         "school_committee": "school_committee", "school_admin": "school_admin"}
GENDERS = {"男": "男", "女": "女", "male": "男", "female": "女", "m": "男", "f": "女"}
# The employment record's grade (rotation rules) from the professional title.
GRADE_OF_TITLE = {"none": "junior", "junior": "junior", "intermediate": "intermediate", "senior": "senior",
                  "full_senior": "senior"}


def template_bytes(example_school: str | None = None) -> bytes:
    """The empty template with its header, column widths, choice lists and one example row."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append(list(HEADERS))
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="B91C1C" if column.required else "000000")
        sheet.column_dimensions[cell.column_letter].width = column.width
    sheet.freeze_panes = "A2"
    for letter, choices in (("D", "男,女"), ("G", "中专,大专,本科,硕士,博士"), ("H", "无,二级教师,一级教师,高级教师,正高级教师")):
        rule = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(rule)
    notes = book.create_sheet("说明")
    for line in (
        "第一行（表头）请勿修改；红色列必填。每行一名教师，按身份证号识别：再次导入同一身份证号会更新而不会重复。",
        "日期写作 YYYY-MM-DD；学历：中专/大专/本科/硕士/博士；职称：无/二级教师/一级教师/高级教师/正高级教师。",
        "学科：语文、数学、英语等；角色：教师、评定委员会成员、学校管理员，多个用逗号分隔，留空为教师。",
        "用户名留空时以身份证号登录。请勿使用公式或合并单元格。",
    ):
        notes.append([line])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
