"""Demo of the city-level competitive review: the city office's review staff, a municipal call, and holders
of county titles imported from Excel, so that the city office (`city`) can open and walk the review.

The pool of a municipal call is the active county-level titles of the call's category in the city's
counties (`webapp/processes/county_review/pools.py`); here 汉阴县's holders come from the rest of the
demo (conferred and seeded titles) and 石泉县's are imported through the county office's Excel import.
"""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from .demo import DEMO_PASSWORD, DemoLogins, _user
from .extensions import db
from .models import ApplicationCycle, Organisation, OrgKind, User, utcnow
from .processes.county_review.models import StaffSubject
from .roles import Role

# The city's review staff: login → (name, role, subjects served).
CITY_STAFF = {
    "cityleader": ("示范市骨干教师工作领导小组", Role.county_leader, ()),
    "cityresearch": ("市教科院数学教研员", Role.research_staff, ("mathematics",)),
    "cityexpert1": ("市评审专家（一）", Role.expert, ()),
    "cityexpert2": ("市评审专家（二）", Role.expert, ()),
    "cityexpert3": ("市评审专家（三）", Role.expert, ()),
}
# Holders of county backbone titles from before the system, in 石泉县 (imported from Excel in the demo).
IMPORTED = [("q001", "mathematics", "SQ-2022-001"), ("q002", "chinese", "SQ-2022-002"),
            ("q003", "mathematics", "SQ-2023-003")]


def city_staff(city: Organisation, logins: DemoLogins | None = None) -> dict[str, User]:
    """The leading group, a research staff member and three experts at the city office."""
    from werkzeug.security import generate_password_hash

    password_hash = generate_password_hash(DEMO_PASSWORD)
    made = {}
    for username, (name, role, subjects) in CITY_STAFF.items():
        user = _user(username, name, role, city, password_hash)
        db.session.flush()
        for subject in subjects:
            db.session.add(StaffSubject(user_id=user.id, org_id=city.id, subject=subject))
        if logins is not None:
            logins.add(user, role, city)
        made[username] = user
    db.session.flush()
    return made


def city_call(city: Organisation, category: str = "backbone", days: int = 30) -> ApplicationCycle:
    """This year's municipal call of a category (its pool: the county titles of the city's counties)."""
    now = utcnow()
    cycle = ApplicationCycle(county_id=city.id, year=now.year, level="city", category=category,
                             opens_dt=now - timedelta(days=1),
                             deadline_dt=(now + timedelta(days=days)).replace(hour=16, minute=0, second=0, microsecond=0))
    db.session.add(cycle)
    db.session.flush()
    return cycle


def holders_sheet(rows: list[tuple[str, str, str]], names: dict[str, str], level: str = "county",
                  category: str = "backbone") -> bytes:
    """The holders import template filled with (username, subject, certificate number) rows."""
    from openpyxl import Workbook

    from .processes.conferral.holders_import import COLUMNS, HEADERS_ZH

    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS_ZH)
    sheet.append(COLUMNS)
    year = utcnow().year
    for username, subject, number in rows:
        sheet.append([username, names[username], level, category, subject, number, f"{year - 2}-09-01",
                      f"{year + 3}-09-01", 300])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_city_demo(logins: DemoLogins | None = None) -> ApplicationCycle | None:
    """The city's review staff and call, and 石泉县's imported holders (after the rest of the demo)."""
    from .processes.conferral import holders_import

    city = db.session.scalar(select(Organisation).filter_by(kind=OrgKind.city).order_by(Organisation.id))
    county = db.session.scalar(select(Organisation).filter_by(code="530102"))
    if city is None or county is None:
        return None
    city_staff(city, logins)
    names = dict(db.session.execute(select(User.username, User.display_name)
                                    .where(User.username.in_([u for u, _s, _n in IMPORTED]))).all())
    sheet = holders_import.read(county, holders_sheet(IMPORTED, names))
    if sheet.problems:
        raise RuntimeError("; ".join(sheet.problems))
    actor = db.session.scalar(select(User).filter_by(username="sqcounty"))
    holders_import.apply(county, sheet, actor.id if actor else None)
    return city_call(city)
