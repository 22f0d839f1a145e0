"""The layout of the service-history workbook: four sheets, each with a fixed header row.

Column titles are bilingual so one template serves both languages; the reader compares them exactly.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column: its key in parsed rows, its header, whether it must be filled."""

    key: str
    title: str
    required: bool = False


@dataclass(frozen=True)
class Sheet:
    """One worksheet of the workbook."""

    key: str
    title: str
    columns: tuple[Column, ...]


SCHOOLS = Sheet("schools", "学校 Schools", (
    Column("code", "学校代码 Code", True),
    Column("name", "学校名称 Name"),
    Column("rural", "城乡 Urban/rural (城区/农村)", True),
    Column("weak", "薄弱学校 Weak (是/否)", True),
    Column("group", "学校集团 School group"),
    Column("district", "督导片区 Supervision district"),
    Column("paired", "结对学校代码 Paired school code"),
))
STAFFING = Sheet("staffing", "学科编制 Staffing", (
    Column("school", "学校代码 School code", True),
    Column("subject", "学科 Subject", True),
    Column("balance", "缺编(+)/超编(-) Short(+)/surplus(-)", True),
))
PEOPLE = Sheet("people", "人员 People", (
    Column("username", "工号 Username", True),
    Column("name", "姓名 Name"),
    Column("hire_date", "入职日期 Hire date", True),
    Column("grade", "职称等级 Title grade (初级/中级/高级)", True),
    Column("subject", "学科 Subject"),
    Column("plans_senior", "拟申报高级 Plans senior title (是/否)"),
))
POSTINGS = Sheet("postings", "任职经历 Postings", (
    Column("username", "工号 Username", True),
    Column("name", "姓名 Name"),
    Column("school", "学校代码 School code", True),
    Column("position", "职务 Position (教师/副校长/校长)", True),
    Column("start", "起始日期 From", True),
    Column("end", "结束日期 To"),
    Column("personnel", "人事关系在该校 Personnel relationship here (是/否)"),
))
SHEETS = (SCHOOLS, STAFFING, PEOPLE, POSTINGS)
MAX_ROWS = 20_000

YES = {"是", "yes", "y", "true", "1", "√"}
NO = {"否", "no", "n", "false", "0"}
RURAL = {"农村": True, "乡村": True, "rural": True, "城区": False, "城镇": False, "urban": False}
POSITIONS = {"教师": "teacher", "teacher": "teacher", "副校长": "vice_principal", "vice_principal": "vice_principal",
             "vice-principal": "vice_principal", "校长": "principal", "principal": "principal"}
GRADES = {"初级": "junior", "junior": "junior", "中级": "intermediate", "intermediate": "intermediate",
          "高级": "senior", "senior": "senior"}
GRADE_NAMES = {"junior": "初级", "intermediate": "中级", "senior": "高级"}
POSITION_NAMES = {"teacher": "教师", "vice_principal": "副校长", "principal": "校长"}
