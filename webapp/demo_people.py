"""Demo data of the administration pages: titles held in 汉阴县 for the reports, and a filled
sample of the teachers' template for any county (`flask people-sample-sheet`)."""
from __future__ import annotations

import io
import random
from datetime import date, timedelta

from sqlalchemy import select

from .extensions import db
from .models import Organisation, OrgKind, TeacherProfile, TitleHolding, User


def seed_titles(county_code: str = "530101", share: float = 0.3, seed: int = 18) -> int:
    """Give about `share` of the county's teachers without a title one, through the register (some
    expiring soon, some lapsed last month); returns how many."""
    from . import register

    rng = random.Random(seed)
    county = db.session.scalar(select(Organisation).filter_by(code=county_code))
    if county is None:
        return 0
    held = set(db.session.scalars(select(TitleHolding.user_id)))
    teachers = db.session.execute(
        select(TeacherProfile.user_id, TeacherProfile.school_id, TeacherProfile.subject)
        .join(Organisation, Organisation.id == TeacherProfile.school_id)
        .where(Organisation.path.startswith(county.path)).order_by(TeacherProfile.user_id)).all()
    today = date.today()
    count = 0
    for user_id, school_id, subject in teachers:
        if user_id in held or rng.random() > share:
            continue
        until = today + timedelta(days=rng.choice([45, 120, 200, 400, 900, 1500, -30]))
        start = until - timedelta(days=5 * 365)
        title = register.confer(
            user_id=user_id, level=rng.choice(["county", "county", "city", "province"]),
            category=rng.choice(["backbone", "backbone", "academic_leader", "famous_teacher"]),
            conferred_on=start, valid_from=start, valid_until=until, term_years=5, subject=subject,
            org_id=school_id, county_id=county.id, certificate_no=f"HY-{today.year - 5}-{100 + count:03d}",
            source="demo")
        if until < today:
            register.lapse(title, until + timedelta(days=1))
        count += 1
    return count


def sample_sheet(county: Organisation, rows: int, seed: int = 1) -> bytes:
    """The template filled with `rows` made-up teachers of the county's schools (valid identity numbers)."""
    from openpyxl import load_workbook

    from .people.idnumber import make
    from .people.importing.sheet import SHEET_TITLE, template_bytes

    rng = random.Random(seed)
    schools = list(db.session.scalars(select(Organisation.code).where(
        Organisation.kind == OrgKind.school, Organisation.path.startswith(county.path), Organisation.active.is_(True))))
    if not schools:
        raise ValueError(f"{county.name} has no active school yet")
    book = load_workbook(io.BytesIO(template_bytes()))
    sheet = book[SHEET_TITLE]
    from .demo import SURNAMES, GIVEN

    subjects = ["语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "音乐", "美术", "体育", "信息技术"]
    taken = set(db.session.scalars(select(User.id_number).where(User.id_number.is_not(None))))
    index = 0
    while index < rows:
        born = date(1968, 1, 1) + timedelta(days=rng.randint(0, 32 * 365))
        number = make(county.code[:6].ljust(6, "0"), born, rng.randint(0, 999))
        if number in taken:
            continue
        taken.add(number)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        sheet.append([rng.choice(schools), name, number, None, born, born + timedelta(days=rng.randint(21, 26) * 365),
                      rng.choice(["大专", "本科", "本科", "硕士"]), rng.choice(["二级教师", "一级教师", "一级教师", "高级教师"]),
                      rng.choice(subjects), None, "教师", None])
        index += 1
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
