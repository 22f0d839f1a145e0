"""Generated organisations, people and open calls: the demo data, and test and benchmark fixtures."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from .extensions import db
from .models import (
    AnnualAssessment,
    ApplicationCycle,
    Organisation,
    OrgKind,
    RoleAssignment,
    TeacherProfile,
    User,
    utcnow,
)
from .models.org import assign_path
from .roles import Role

DEMO_PASSWORD = "demo1234"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国建华志强海燕春梅晓东丹丹文博雨涵子轩欣怡浩然思远佳琪"
SUBJECTS = ["chinese", "mathematics", "english", "physics", "chemistry", "biology", "history", "geography", "music", "art", "pe", "it"]


@dataclass
class DemoLogins:
    """Who can log in to the demo, for the start-up banner."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role, organisation)

    def add(self, user: User, role: Role, org: Organisation) -> None:
        """Remember a login worth showing."""
        self.rows.append((user.username, role.value, org.name))


def _org(kind: OrgKind, name: str, code: str, parent: Organisation | None, **extra) -> Organisation:
    """Create an organisation and give it its path."""
    org = Organisation(kind=kind, name=name, code=code, parent=parent, **extra)
    db.session.add(org)
    db.session.flush()
    assign_path(org)
    return org


def _user(username: str, name: str, role: Role, org: Organisation, password_hash: str) -> User:
    """Create a user holding one role."""
    user = User(username=username, display_name=name, email=f"{username}@example.edu.cn", password_hash=password_hash)
    user.roles.append(RoleAssignment(role=role, org_id=org.id))
    db.session.add(user)
    return user


def _chinese_name(rng: random.Random) -> str:
    """A plausible Chinese name."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _profile(user: User, school: Organisation, rng: random.Random, today: date, **fixed) -> TeacherProfile:
    """A teacher profile with varied, plausible facts (overridable)."""
    age = fixed.pop("age", rng.randint(24, 58))
    years = fixed.pop("years", max(0, min(age - 22, rng.randint(1, 36))))
    title = fixed.pop("title", rng.choice(["junior", "intermediate", "intermediate", "senior", "senior", "full_senior"]))
    profile = TeacherProfile(
        user=user,
        school_id=school.id,
        gender=rng.choice(["女", "男"]),
        birth_date=today - timedelta(days=int(age * 365.25) + rng.randint(0, 300)),
        teaching_start_date=today - timedelta(days=int(years * 365.25) + rng.randint(0, 200)),
        professional_title=title,
        education=fixed.pop("education", rng.choice(["associate", "bachelor", "bachelor", "bachelor", "master"])),
        subject=fixed.pop("subject", rng.choice(SUBJECTS)),
        has_teacher_qualification=True,
        has_it_certificate=rng.random() < 0.7,
        open_classes_5y=fixed.pop("open_classes", rng.randint(0, 8)),
        papers_awarded_5y=fixed.pop("papers", rng.randint(0, 5)),
        research_projects_5y=fixed.pop("projects", rng.randint(0, 2)),
        prizes_5y=rng.randint(0, 3),
    )
    excellent_years = fixed.pop("excellent_years", None)
    for year in range(today.year - 5, today.year):
        excellent = year in excellent_years if excellent_years is not None else rng.random() < 0.3
        profile.assessments.append(AnnualAssessment(year=year, rating="excellent" if excellent else "competent"))
    db.session.add(profile)
    return profile


def build_demo(teachers: int = 40, seed: int = 7) -> DemoLogins:
    """One province, city, county, three schools (urban and rural), every role, ~40 teachers, open calls."""
    from werkzeug.security import generate_password_hash

    rng = random.Random(seed)
    today = date.today()
    password_hash = generate_password_hash(DEMO_PASSWORD)
    logins = DemoLogins()

    province = _org(OrgKind.province, "云南省", "53", None)
    city = _org(OrgKind.city, "示范市", "5301", province)
    county = _org(OrgKind.county, "汉阴县", "530101", city)
    schools = [
        _org(OrgKind.school, "汉阴县第一中学", "530101-01", county, is_rural=False, school_group="城关教育集团", supervision_district="城关片区", teacher_headcount=160),
        _org(OrgKind.school, "汉阴县城关小学", "530101-02", county, is_rural=False, school_group="城关教育集团", supervision_district="城关片区", teacher_headcount=90),
        _org(OrgKind.school, "汉阴县涧池镇中心学校", "530101-03", county, is_rural=True, supervision_district="涧池片区", teacher_headcount=45),
    ]

    for username, name, role, org in [
        ("admin", "系统管理员", Role.sysadmin, province),
        ("province", "省教育厅骨干办", Role.province_office, province),
        ("city", "市教育局骨干办", Role.city_office, city),
        ("county", "县教育局领导小组办公室", Role.county_office, county),
        ("research", "县教研室教研员", Role.research_staff, county),
        ("expert", "县评审专家", Role.expert, county),
        ("training", "县教师进修学校", Role.training_centre, county),
        ("hrb", "县人力资源和社会保障局", Role.hr_bureau, county),
        ("hypa", "汉阴县流程管理员", Role.process_admin, county),
    ]:
        logins.add(_user(username, name, role, org, password_hash), role, org)

    for number, school in enumerate(schools, start=1):
        admin = _user(f"s{number}admin", f"{school.name}校长", Role.school_admin, school, password_hash)
        logins.add(admin, Role.school_admin, school)
        for member in range(1, 4):
            committee = _user(f"s{number}c{member}", _chinese_name(rng), Role.school_committee, school, password_hash)
            if number == 1 or member == 1:
                logins.add(committee, Role.school_committee, school)

    # The first teachers have facts chosen so the demo shows an eligible and an ineligible case,
    # and the first school has five eligible backbone applicants for its vote (t001, t004, …, t013).
    fixed_profiles = {
        0: dict(age=38, years=14, title="intermediate", education="bachelor", subject="mathematics", excellent_years={today.year - 2}),
        1: dict(age=50, years=27, title="senior", education="bachelor", subject="chinese"),
        2: dict(age=29, years=6, title="junior", education="master", subject="english"),
        3: dict(age=42, years=18, title="senior", education="bachelor", subject="chinese", excellent_years={today.year - 1}),
        6: dict(age=45, years=20, title="senior", education="master", subject="physics", excellent_years={today.year - 3}),
        9: dict(age=40, years=16, title="intermediate", education="bachelor", subject="english", excellent_years={today.year - 2}),
        12: dict(age=35, years=12, title="intermediate", education="bachelor", subject="history", excellent_years={today.year - 1}),
    }
    # t016–t027 (four per school) apply in the demo's county review (webapp/demo_review.py).
    review_subjects = ["mathematics"] * 3 + ["chinese"] * 3 + ["english"] * 3 + ["physics"] * 3
    review_profiles = {
        15 + i: dict(age=32 + i, years=9 + i, title="intermediate", education="bachelor", subject=subject,
                     excellent_years={today.year - 1 - i % 3})
        for i, subject in enumerate(review_subjects)
    }
    for index in range(teachers):
        school = schools[index % len(schools)]
        user = _user(f"t{index + 1:03d}", _chinese_name(rng), Role.teacher, school, password_hash)
        fixed = dict(fixed_profiles.get(index, review_profiles.get(index, {})))
        _profile(user, school, rng, today, **fixed)
        if index in fixed_profiles:
            logins.add(user, Role.teacher, school)

    _review_staff(county, schools, rng, today, password_hash, logins)
    open_calls(county)
    db.session.flush()
    return logins


def _review_staff(county: Organisation, schools: list[Organisation], rng: random.Random, today: date,
                  password_hash: str, logins: DemoLogins) -> None:
    """The county review's people: its leader, research staff per subject, experts (some of a school)."""
    from .processes.county_review.models import StaffSubject

    leader = _user("leader", "县骨干教师工作领导小组", Role.county_leader, county, password_hash)
    logins.add(leader, Role.county_leader, county)
    db.session.flush()
    research = db.session.query(User).filter_by(username="research").one()
    db.session.add(StaffSubject(user_id=research.id, org_id=county.id, subject="mathematics"))
    for username, name, subject in [("research_cn", "县教研室语文教研员", "chinese"),
                                    ("research_en", "县教研室英语教研员", "english"),
                                    ("research_ph", "县教研室物理教研员", "physics")]:
        staff = _user(username, name, Role.research_staff, county, password_hash)
        db.session.flush()
        db.session.add(StaffSubject(user_id=staff.id, org_id=county.id, subject=subject))
        logins.add(staff, Role.research_staff, county)
    # expert2 serves mathematics only and teaches at school 1; expert3 and expert4 teach at
    # schools 2 and 3: none of them may score a candidate of their own school.
    for number, school, subject in [(2, schools[0], "mathematics"), (3, schools[1], None), (4, schools[2], None),
                                    (5, None, None), (6, None, None)]:
        expert = _user(f"expert{number}", _chinese_name(rng), Role.expert, county, password_hash)
        if school is not None:
            _profile(expert, school, rng, today, age=50, years=28, title="senior", subject=subject or "chinese")
        db.session.flush()
        if subject:
            db.session.add(StaffSubject(user_id=expert.id, org_id=county.id, subject=subject))
        logins.add(expert, Role.expert, county)


def open_calls(county: Organisation, days: int = 30) -> list[ApplicationCycle]:
    """Open this year's county calls for each category, closing in `days` days."""
    now = utcnow()
    cycles = []
    for category in ("academic_leader", "backbone", "famous_teacher"):
        cycle = ApplicationCycle(
            county_id=county.id,
            year=now.year,
            level="county",
            category=category,
            opens_dt=now - timedelta(days=1),
            # Midnight closing the last day in China (UTC+8): the call is open all of that day.
            deadline_dt=(now + timedelta(days=days)).replace(hour=16, minute=0, second=0, microsecond=0),
        )
        db.session.add(cycle)
        cycles.append(cycle)
    return cycles


def add_second_county(seed: int = 11) -> Organisation:
    """A second county (石泉县) beside the demo's, with one school, its committee, five eligible
    teachers and open calls: each county can run its own variant of the rules side by side."""
    from werkzeug.security import generate_password_hash

    rng = random.Random(seed)
    password_hash = generate_password_hash(DEMO_PASSWORD)
    today = date.today()
    city = db.session.query(Organisation).filter_by(kind=OrgKind.city).order_by(Organisation.id).first()
    county = _org(OrgKind.county, "石泉县", "530102", city)
    school = _org(OrgKind.school, "石泉县城关中学", "530102-01", county, teacher_headcount=120)
    _user("sqcounty", "石泉县教育局领导小组办公室", Role.county_office, county, password_hash)
    _user("sqpa", "石泉县流程管理员", Role.process_admin, county, password_hash)
    _user("q1admin", f"{school.name}校长", Role.school_admin, school, password_hash)
    for member in range(1, 4):
        _user(f"q1c{member}", _chinese_name(rng), Role.school_committee, school, password_hash)
    for index in range(5):
        teacher = _user(f"q{index + 1:03d}", _chinese_name(rng), Role.teacher, school, password_hash)
        _profile(teacher, school, rng, today, age=36 + index, years=12 + index, title="intermediate",
                 education="bachelor", excellent_years={today.year - 1})
    open_calls(county)
    db.session.flush()
    return county


def publish_demo_variant(county: Organisation) -> None:
    """石泉县's own vote rules (a ten-working-day notice, half the committee for quorum), published
    by its process administrator through the same checks as the editor: one county variant to look at."""
    import re

    from .definitions import checks, files, store

    name = "workflows/vote_rules.dmn"
    text = files.shipped_content(name).decode("utf-8")
    for output, value in (("notice_days", "10"), ("quorum_num", "1"), ("quorum_den", "2")):
        text = re.sub(rf'(<outputEntry id="rule_default_{output}">\s*<text>)[^<]*', rf"\g<1>{value}", text)
    problems = checks.check_candidate(name, text.encode("utf-8"), county)
    if problems:
        raise RuntimeError(f"demo variant does not pass the checks: {problems}")
    author = db.session.query(User).filter_by(username="sqpa").one()
    store.publish(author, name, county, text, "石泉县：公示期十个工作日，过半数委员投票即达法定人数")
