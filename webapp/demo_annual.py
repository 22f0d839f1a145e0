"""Demo state for the annual review: title holders of 汉阴县 with duty logs half-way through the
school year, last school year's review (one holder passed, one failing case waiting for the county
office's decision, the rest at their summary) and one title about to expire.

Titles are entered through the register (`register.confer`, source "demo"); the last year's review
is opened and driven through the real process. Run after `build_demo` (`flask demo-data` does both).
"""
from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from . import register
from .calendar.editing import today as local_today
from .evidence.operations import store_upload
from .extensions import db
from .models import HumanTask, Organisation, OrgKind, TaskState, User
from .processes.annual_review.models import AnnualReview, DutyRecord
from .processes.annual_review.opening import open_annual_review
from .processes.annual_review.schoolyear import SchoolYear, school_year_of
from .workflow.operations import complete_task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
COUNTY = "汉阴县"
# username → (category, subject of the title); t028 passes last year's review, t032 fails it.
HOLDERS = {
    "t028": ("backbone", "mathematics"), "t029": ("backbone", "chinese"), "t030": ("backbone", "english"),
    "t031": ("backbone", "physics"), "t032": ("backbone", "art"), "t033": ("academic_leader", "mathematics"),
}
PASSING, FAILING = "t028", "t032"
NEAR_EXPIRY = "t034"  # conferred almost five years ago: reminded, and lapses in three weeks
FULL_YEAR = [  # (duty, month offset from the school year's start, quantity, evidence)
    ("demo_class", 1, 1, True), ("demo_class", 6, 1, True), ("apprentice", 0, 1, True), ("research_hours", 2, 20, False),
    ("research_hours", 7, 20, False), ("monograph", 3, 1, True), ("monograph", 8, 1, True), ("paper", 5, 1, True),
    ("reflection", 4, 2, False), ("publication", 9, 2, True), ("work_summary", 4, 1, False), ("work_summary", 10, 1, False),
]
DESCRIPTIONS = {
    "demo_class": "校级示范课《函数的单调性》", "apprentice": "与新教师结对带徒", "research_hours": "参加学科教研活动",
    "monograph": "阅读《给教师的建议》并撰写读书笔记", "paper": "论文《大单元教学设计实践》", "reflection": "教学反思两篇",
    "publication": "县教研简报发表两篇", "work_summary": "学期工作总结",
}


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def _month(year: SchoolYear, offset: int, day: int = 12) -> date:
    month = (8 + offset) % 12 + 1
    return date(year.start_year + (1 if month < 9 else 0), month, day)


def _log(user: User, title, year: SchoolYear, entries, until: date | None = None) -> None:
    """Duty records as the holder would have entered them (evidence stored like an upload)."""
    for duty, offset, quantity, evidence in entries:
        on = _month(year, offset)
        if until is not None and on > until:
            continue
        files = [store_upload(user, FileStorage(io.BytesIO(PDF + f"% {user.username} {duty} {on}\n".encode()),
                                                "证明.pdf"), {})] if evidence else None
        db.session.add(DutyRecord(title_id=title.id, user_id=user.id, school_year=year.start_year,
                                  semester=year.semester_of(on), duty=duty, on_date=on, quantity=quantity,
                                  description=DESCRIPTIONS[duty], evidence=files))


def _step(engine, forms, review: AnnualReview, step: str, actor: User, answers: dict) -> None:
    task = db.session.scalar(select(HumanTask).filter_by(instance_id=review.instance_id, task_name=step,
                                                         state=TaskState.open))
    if task is None:
        raise RuntimeError(f"demo review of {review.holder.username} is not at {step}")
    complete_task(engine, actor, task, answers, tuple(f.key for f in forms.fields(task.form_file)))


def seed_annual_review(engine, forms) -> None:
    """Titles, this year's partial logs, last year's review (a pass, a failing case) and a title near expiry."""
    county = db.session.scalar(select(Organisation).filter_by(name=COUNTY, kind=OrgKind.county))
    today = local_today()
    this_year = school_year_of(today)
    last_year = SchoolYear(this_year.start_year - 1)
    titles = {}
    for username, (category, subject) in HOLDERS.items():
        user = _user(username)
        titles[username] = register.confer(
            user_id=user.id, level="county", category=category, conferred_on=date(last_year.start_year - 1, 9, 10),
            term_years=5, subject=subject, org_id=user.profile.school_id, county_id=county.id,
            certificate_no=f"HY-{last_year.start_year - 1}-XB-{len(titles) + 1:04d}", allowance_monthly=300, source="demo")
    near = _user(NEAR_EXPIRY)
    register.confer(user_id=near.id, level="county", category="backbone",
                    conferred_on=register.add_years(today, -5) + timedelta(days=21), term_years=5, subject="history",
                    org_id=near.profile.school_id, county_id=county.id, certificate_no="HY-OLD-XB-0001",
                    allowance_monthly=300, source="demo")
    db.session.flush()
    # This school year, half-way: what was done so far (the failing holder has logged little).
    for username, title in titles.items():
        entries = FULL_YEAR[:3] if username == FAILING else FULL_YEAR
        _log(title.holder, title, this_year, entries, until=today)
    # Last school year: a complete log for the passing holder, none for the failing one.
    _log(titles[PASSING].holder, titles[PASSING], last_year, FULL_YEAR)
    db.session.flush()
    office = _user("county")
    open_annual_review(engine, office, county, last_year.start_year)
    reviews = {r.holder.username: r for r in db.session.scalars(
        select(AnnualReview).where(AnnualReview.school_year == last_year.start_year))}
    summary = {"summary": "本学年按要求完成示范课、带徒、教研活动、读书、论文与发表等各项职责，详见履职记录。"}
    for username in (PASSING, FAILING):
        review = reviews[username]
        admin = db.session.scalar(select(User).where(User.username == f"s{_school_number(review.school_id)}admin"))
        _step(engine, forms, review, "submit_summary", review.holder, summary)
        _step(engine, forms, review, "confirm_records", admin, {"confirmation": "confirm"})
    passing = reviews[PASSING]
    _step(engine, forms, passing, "research_opinion", _user("research"), {"opinion": "履职扎实，示范课效果良好。"})
    _step(engine, forms, passing, "county_decision", office, {"decision": "pass"})
    db.session.flush()


def _school_number(school_id: int) -> int:
    """1, 2 or 3: the demo's school administrators are s1admin … s3admin, by school code."""
    code = db.session.get(Organisation, school_id).code
    return int(code.rsplit("-", 1)[1])
