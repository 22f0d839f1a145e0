"""The county's side of the school vote: the school quota per call, and the lists schools reported."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ...core.errors import InvalidInput, NotFound
from ...extensions import db
from ...models import ApplicationCycle, Organisation, User
from ...roles import Role
from .models import RoundStatus, VoteRound


def county_recommendations(user: User) -> list[VoteRound]:
    """Reported rounds of the counties (or wider areas) the user oversees at county level or above."""
    scopes = [org for role, org in user.role_scopes() if role in (Role.county_office, Role.city_office,
                                                                    Role.province_office, Role.sysadmin)]
    if not scopes:
        raise NotFound(_("No such page."))
    within = or_(*(Organisation.path.startswith(org.path, autoescape=True) for org in scopes))
    return list(db.session.scalars(
        select(VoteRound).join(Organisation, Organisation.id == VoteRound.school_id)
        .where(VoteRound.status == RoundStatus.reported, within)
        .order_by(VoteRound.cycle_id, VoteRound.level, VoteRound.category, Organisation.name)
    ))


def county_cycles(user: User) -> list[ApplicationCycle]:
    """Cycles of the counties where the user is the county office (they set the quotas)."""
    counties = [org.id for role, org in user.role_scopes() if role is Role.county_office]
    if not counties:
        raise NotFound(_("No such page."))
    return list(db.session.scalars(
        select(ApplicationCycle).where(ApplicationCycle.county_id.in_(counties))
        .order_by(ApplicationCycle.year.desc(), ApplicationCycle.level, ApplicationCycle.category)
    ))


def set_quota(user: User, cycle_id: int, mode: str, value: str) -> ApplicationCycle:
    """The county office sets a cycle's school quota: a share of headcount or a fixed number."""
    cycle = next((c for c in county_cycles(user) if c.id == cycle_id), None)
    if cycle is None:
        raise NotFound(_("No such call for applications."))
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if mode == "ratio" and 0 < number <= 1:
        cycle.quota_mode, cycle.quota_value = "ratio", number
    elif mode == "absolute" and number >= 0 and number == int(number) and number <= 1000:
        cycle.quota_mode, cycle.quota_value = "absolute", int(number)
    else:
        raise InvalidInput(_("A share must be a number above 0 and at most 1 (e.g. 0.05); a number of places a whole number from 0 to 1000."), [])
    db.session.flush()
    return cycle
