"""Demo data of rotation (交流轮岗): the county's schools with their rotation facts, realistic service
histories, and this year's plan with quotas, volunteers and nominations, waiting for the office to match.

Called by `flask demo-data` after `build_demo`; tests call it on top of the `demo` fixture.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from .demo import DemoLogins, _chinese_name, _org, _profile, _user
from .extensions import db
from .models import (EmploymentRecord, Organisation, OrgKind, Position, Posting, StaffingNeed, TeacherProfile,
                     TitleHolding, User, utcnow)
from .roles import Role

GRADE = {"none": "junior", "junior": "junior", "intermediate": "intermediate", "senior": "senior", "full_senior": "senior"}
# (name, code suffix, rural, weak, group, district, headcount)
MORE_SCHOOLS = [
    ("汉阴县第二中学", "04", False, False, "城关教育集团", "城关片区", 120),
    ("汉阴县城关第二小学", "05", False, False, None, "城关片区", 80),
    ("汉阴县平梁镇中心小学", "06", True, True, None, "平梁片区", 40),
    ("汉阴县漩涡镇中学", "07", True, True, None, "漩涡片区", 50),
    ("汉阴县涧池镇初级中学", "08", True, False, None, "涧池片区", 45),
]
STAFFING = {  # school code suffix → subject → short (+) / surplus (−)
    "01": {"chinese": -2, "pe": -1}, "02": {"mathematics": -1}, "03": {"english": 2, "mathematics": 1},
    "04": {"physics": -1}, "05": {"chinese": -2}, "06": {"mathematics": 2, "music": 1, "chinese": 1},
    "07": {"english": 2, "physics": 1}, "08": {"chemistry": 1, "mathematics": 1},
}


def _years_ago(today: date, years: float) -> date:
    return today - timedelta(days=int(years * 365.25))


def build_rotation_demo(logins: DemoLogins, with_plan: bool = True, seed: int = 16, with_pairing: bool = True) -> None:
    """Schools' facts, everyone's postings and employment, (with_plan) a plan ready to match and
    (with_pairing) t004's pairing with school 3 with two activities."""
    rng = random.Random(seed)
    today = utcnow().date()
    county = db.session.scalar(select(Organisation).filter_by(kind=OrgKind.county, code="530101"))
    schools = _schools(county, logins, rng, today)
    _histories(schools, rng, today)
    db.session.flush()
    if with_pairing:
        from .processes.rotation_plan.demo import open_demo_pairing

        open_demo_pairing(county, schools, today)
    if with_plan:
        from .processes.rotation_plan.demo import open_demo_plan

        open_demo_plan(current_app.extensions["workflow_engine"], county, schools, today)


def _schools(county: Organisation, logins: DemoLogins, rng: random.Random, today: date) -> dict[str, Organisation]:
    """The demo county's eight schools by code suffix, with pairs, weak flags and staffing."""
    schools = {s.code[-2:]: s for s in db.session.scalars(
        select(Organisation).where(Organisation.parent_id == county.id).order_by(Organisation.code))}
    schools["03"].is_weak = True
    password_hash = db.session.scalar(select(User.password_hash).filter_by(username="county"))
    for name, suffix, rural, weak, group, district, headcount in MORE_SCHOOLS:
        school = _org(OrgKind.school, name, f"530101-{suffix}", county, is_rural=rural, is_weak=weak,
                      school_group=group, supervision_district=district, teacher_headcount=headcount)
        schools[suffix] = school
        admin = _user(f"s{int(suffix)}admin", f"{name}校长", Role.school_admin, school, password_hash)
        logins.add(admin, Role.school_admin, school)
        for number in range(1, 7):
            teacher = _user(f"r{suffix}{number:02d}", _chinese_name(rng), Role.teacher, school, password_hash)
            young = number <= 2 and not rural  # newly hired urban teachers
            _profile(teacher, school, rng, today, **({"age": 26, "years": 3, "title": "junior"} if young else {}))
    db.session.flush()
    schools["01"].paired_school_id, schools["03"].paired_school_id = schools["03"].id, schools["01"].id
    schools["04"].paired_school_id, schools["07"].paired_school_id = schools["07"].id, schools["04"].id
    for suffix, needs in STAFFING.items():
        for subject, balance in needs.items():
            db.session.add(StaffingNeed(school_id=schools[suffix].id, subject=subject, balance=balance))
    return schools


def _histories(schools: dict[str, Organisation], rng: random.Random, today: date) -> None:
    """Postings and employment records for every teacher and principal of the county."""
    ids = [s.id for s in schools.values()]
    rural = [s for s in schools.values() if s.is_rural]
    profiles = db.session.scalars(select(TeacherProfile).where(TeacherProfile.school_id.in_(ids))
                                  .order_by(TeacherProfile.user_id)).all()
    for profile in profiles:
        hire = profile.teaching_start_date
        current_from = hire
        years = (today - hire).days / 365.25
        if years > 9 and rng.random() < 0.45:
            # An earlier appointment, often at a rural school, before moving to the present one.
            first = rng.choice(rural) if rng.random() < 0.6 else rng.choice(list(schools.values()))
            if first.id != profile.school_id:
                current_from = _years_ago(today, rng.uniform(3, years - 4))
                db.session.add(Posting(user_id=profile.user_id, school_id=first.id, position=Position.teacher,
                                       start_date=hire, end_date=current_from))
        db.session.add(Posting(user_id=profile.user_id, school_id=profile.school_id, position=Position.teacher,
                               start_date=current_from))
        db.session.add(EmploymentRecord(user_id=profile.user_id, hire_date=hire, subject=profile.subject,
                                        title_grade=GRADE.get(profile.professional_title, "junior"),
                                        plans_senior_title=profile.professional_title == "intermediate" and rng.random() < 0.3))
    _fixed_cases(schools, today)


def _fixed_cases(schools: dict[str, Organisation], today: date) -> None:
    """People the README walks through: each due for a stated reason."""
    users = {u.username: u for u in db.session.scalars(select(User))}
    # s1admin has been principal of school 1 for 12 school years; s2admin became principal 4 years ago.
    for username, suffix, years in (("s1admin", "01", 12), ("s2admin", "02", 4), ("s3admin", "03", 7)):
        db.session.add(Posting(user_id=users[username].id, school_id=schools[suffix].id, position=Position.principal,
                               start_date=_years_ago(today, years)))
        db.session.add(EmploymentRecord(user_id=users[username].id, hire_date=_years_ago(today, years + 14),
                                        title_grade="senior"))
    # t001 (intermediate, school 1) plans to apply for the senior title and has never taught outside town.
    record = db.session.scalar(select(EmploymentRecord).filter_by(user_id=users["t001"].id))
    record.plans_senior_title, record.title_grade = True, "intermediate"
    for posting in db.session.scalars(select(Posting).filter_by(user_id=users["t001"].id)):
        db.session.delete(posting)
    db.session.add(Posting(user_id=users["t001"].id, school_id=schools["01"].id, position=Position.teacher,
                           start_date=record.hire_date))
    # r0403 has been vice-principal of 汉阴县第二中学 for 16 school years.
    vice = users["r0403"]
    for posting in db.session.scalars(select(Posting).filter_by(user_id=vice.id)):
        db.session.delete(posting)
    db.session.add(Posting(user_id=vice.id, school_id=schools["04"].id, position=Position.vice_principal,
                           start_date=_years_ago(today, 16)))
    vice_record = db.session.scalar(select(EmploymentRecord).filter_by(user_id=vice.id))
    vice_record.hire_date, vice_record.title_grade = _years_ago(today, 22), "senior"
    # r0501 teaches Chinese, of which 城关第二小学 has a surplus: it sends them to a weak school (顶岗).
    surplus = db.session.scalar(select(EmploymentRecord).filter_by(user_id=users["r0501"].id))
    surplus.subject = users["r0501"].profile.subject = "chinese"
    # t004 holds a county backbone title: to be paired with a weak or rural school.
    db.session.add(TitleHolding(user_id=users["t004"].id, level="county", category="backbone", certificate_no="HY-2024-017",
                                valid_from=_years_ago(today, 1), valid_until=_years_ago(today, -4), active=True))
