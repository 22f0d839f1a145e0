"""Scope-and-load: the row or organisation a user may act on, or the one out-of-scope answer (404).

Pages and actions start the same way: find the cohort, conferral or office by its id, check that
the user's roles reach it, and answer 404 otherwise — the same answer whether it does not exist
or belongs to someone else, so that nothing tells the two apart.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask_babel import gettext as _

from ..core.errors import NotFound
from ..extensions import db
from ..models import Organisation, OrgKind, User
from ..roles import Role

Row = TypeVar("Row")


def scoped(model: type[Row], row_id: int, allowed: Callable[[Row], bool], message: str | None = None) -> Row:
    """The row of `model` with this id if `allowed(row)`; missing or not allowed: 404 with `message`."""
    row = db.session.get(model, row_id)
    if row is None or not allowed(row):
        raise NotFound(message or _("No such page."))
    return row


def roles_at(user: User, org_id: int) -> set[Role]:
    """The roles the user holds at this very organisation."""
    return {role for role, org in user.role_scopes() if org.id == org_id}


def held_org(user: User, org_id: int, *roles: Role, message: str | None = None) -> Organisation:
    """The organisation if the user holds one of `roles` there; anyone else 404 with `message`."""
    org = next((org for role, org in user.role_scopes() if org.id == org_id and role in roles), None)
    if org is None:
        raise NotFound(message or _("No such page."))
    return org


def orgs_holding(user: User, kind: OrgKind, *roles: Role) -> list[Organisation]:
    """Organisations of this kind where the user holds one of `roles`, each once, in the order held."""
    found: dict[int, Organisation] = {}
    for role, org in user.role_scopes():
        if org.kind is kind and role in roles:
            found.setdefault(org.id, org)
    return list(found.values())
