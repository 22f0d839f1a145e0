"""Who reads reports of which organisation: overseers, over the organisations they hold the role at."""
from __future__ import annotations

from ...core.errors import NotFound
from ...extensions import db
from ...models import Organisation, User
from ...roles import Role

REPORT_ROLES = (Role.school_admin, Role.county_office, Role.county_leader, Role.city_office, Role.province_office,
                Role.sysadmin)


def report_roots(user: User) -> list[Organisation]:
    """Organisations whose reports the user reads (and everything below them)."""
    seen: dict[int, Organisation] = {}
    for role, org in user.role_scopes():
        if role in REPORT_ROLES:
            seen.setdefault(org.id, org)
    return list(seen.values())


def may_see_reports(user: User) -> bool:
    """The navigation link."""
    return bool(report_roots(user))


def report_scope(user: User, org_id: str | None) -> Organisation:
    """The organisation a report covers: the one asked for if the user reads it, else their first; 404 if none."""
    roots = report_roots(user)
    if not roots:
        raise NotFound("")
    if org_id:
        org = db.session.get(Organisation, int(org_id)) if str(org_id).isdigit() else None
        if org is None or not any(org.is_within(root) for root in roots):
            raise NotFound("")
        return org
    return roots[0]
