"""Who edits which scope.

A system administrator edits the defaults and the variants of provinces and cities; a county's
process administrator edits only its county's variants. Nobody edits another county's. Anything
out of a user's reach is answered like a page that does not exist (404).
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import select

from ..extensions import db
from ..models import Organisation, OrgKind, User
from ..models.definitions import DEFAULT_SCOPE
from ..roles import Role


def editable_orgs(user: User) -> list[Organisation | None]:
    """The scopes the user may edit: None for the defaults, then organisations."""
    scopes: list[Organisation | None] = []
    for role, org in user.role_scopes():
        if role is Role.sysadmin:
            if None not in scopes:
                scopes.insert(0, None)
            scopes += db.session.scalars(
                select(Organisation).where(Organisation.path.startswith(org.path),
                                           Organisation.kind.in_([OrgKind.province, OrgKind.city]))
                .order_by(Organisation.path)).all()
        elif role is Role.process_admin and org.kind is OrgKind.county:
            scopes.append(org)
    unique: list[Organisation | None] = []
    for scope in scopes:
        if scope not in unique:
            unique.append(scope)
    return unique


def can_edit_any(user: User) -> bool:
    """True if the user edits at least one scope (shows the navigation entry)."""
    return any(role in (Role.sysadmin, Role.process_admin) for role, _org in user.role_scopes())


def scope_org_or_404(user: User, scope: str | None) -> Organisation | None:
    """The organisation named by `scope` ("default" or an id) if the user may edit it, else 404."""
    allowed = editable_orgs(user)
    if scope in (None, "", DEFAULT_SCOPE):
        if None in allowed:
            return None
        abort(404)
    try:
        org_id = int(scope)
    except (TypeError, ValueError):
        abort(404)
    for org in allowed:
        if org is not None and org.id == org_id:
            return org
    abort(404)
