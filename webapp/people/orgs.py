"""Organisation tree operations: create, rename and edit, move, deactivate (callers commit)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import String, func, literal, select, update

from ..core.errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..models import Organisation, OrgKind, User
from ..models.org import assign_path
from ..roles import Role
from .access import CHILD_KIND, MANAGING_ROLES, check_manages, managed_roots

CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class OrgForm:
    """What the organisation form posted, and its problems per field."""

    name: str = ""
    code: str = ""
    is_rural: bool = False
    is_weak: bool = False
    school_group: str = ""
    supervision_district: str = ""
    teacher_headcount: str = "0"
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, form) -> "OrgForm":
        """From a posted form, trimmed."""
        return cls(name=(form.get("name") or "").strip(), code=(form.get("code") or "").strip(),
                   is_rural=form.get("is_rural") == "1", is_weak=form.get("is_weak") == "1",
                   school_group=(form.get("school_group") or "").strip(),
                   supervision_district=(form.get("supervision_district") or "").strip(),
                   teacher_headcount=(form.get("teacher_headcount") or "0").strip())

    @classmethod
    def of(cls, org: Organisation) -> "OrgForm":
        """The organisation's current values."""
        return cls(name=org.name, code=org.code, is_rural=org.is_rural, is_weak=org.is_weak,
                   school_group=org.school_group or "", supervision_district=org.supervision_district or "",
                   teacher_headcount=str(org.teacher_headcount or 0))

    def check(self, existing: Organisation | None = None) -> None:
        """Fill `errors`; raise InvalidInput if there are any."""
        if not self.name:
            self.errors["name"] = _("Enter a name.")
        elif len(self.name) > 200:
            self.errors["name"] = _("At most %(count)d characters.", count=200)
        if not CODE.match(self.code):
            self.errors["code"] = _("Letters, digits, - and _ only, at most 64.")
        else:
            clash = db.session.scalar(select(Organisation.id).where(Organisation.code == self.code))
            if clash is not None and (existing is None or clash != existing.id):
                self.errors["code"] = _("This code is used by another organisation.")
        for key in ("school_group", "supervision_district"):
            if len(getattr(self, key)) > 100:
                self.errors[key] = _("At most %(count)d characters.", count=100)
        if not self.teacher_headcount.isdigit() or int(self.teacher_headcount) > 1_000_000:
            self.errors["teacher_headcount"] = _("Enter a whole number from %(low)s to %(high)s.", low=0, high=1_000_000)
        if self.errors:
            raise InvalidInput(_("Please correct the marked fields."), list(self.errors))

    def apply(self, org: Organisation) -> None:
        """Write the values onto the organisation."""
        org.name, org.code = self.name, self.code
        if org.kind is OrgKind.school:
            org.is_rural, org.is_weak = self.is_rural, self.is_weak
            org.school_group = self.school_group or None
            org.supervision_district = self.supervision_district or None
        org.teacher_headcount = int(self.teacher_headcount)


def get_org(actor: User, org_id: int) -> Organisation:
    """An organisation the actor manages (404 otherwise)."""
    return check_manages(actor, db.session.get(Organisation, org_id))


def editable(actor: User, org: Organisation) -> bool:
    """Its own organisation a manager sees but does not edit (a system administrator does)."""
    return any(org.is_within(root) and (org.id != root.id or role is Role.sysadmin)
               for role, root in actor.role_scopes() if role in MANAGING_ROLES)


def create_child(actor: User, parent: Organisation, form: OrgForm) -> Organisation:
    """A new organisation of the next level below `parent`."""
    check_manages(actor, parent)
    kind = CHILD_KIND.get(parent.kind)
    if kind is None:
        raise Conflict(_("A school has no organisations below it."))
    if not parent.active:
        raise Conflict(_("This organisation is deactivated."))
    form.check()
    org = Organisation(kind=kind, parent=parent, name="", code="", path="")
    form.apply(org)
    db.session.add(org)
    db.session.flush()
    assign_path(org)
    return org


def edit(actor: User, org: Organisation, form: OrgForm) -> None:
    """Rename and change attributes."""
    if not editable(actor, org):
        raise NotFound("")
    form.check(existing=org)
    form.apply(org)


def move(actor: User, org: Organisation, new_parent: Organisation | None) -> None:
    """Put the organisation (and everything below it) under another parent of the right level."""
    if not editable(actor, org):
        raise NotFound("")
    if new_parent is None or not any(new_parent.is_within(root) for root in managed_roots(actor)):
        raise InvalidInput(_("Choose the new parent organisation."), ["parent"])
    if CHILD_KIND.get(new_parent.kind) is not org.kind:
        raise InvalidInput(_("A %(kind)s belongs under an organisation one level above it.", kind=org.kind.value), ["parent"])
    if new_parent.is_within(org):
        raise InvalidInput(_("An organisation cannot move below itself."), ["parent"])
    if not new_parent.active:
        raise InvalidInput(_("This organisation is deactivated."), ["parent"])
    old_path = org.path
    org.parent = new_parent
    org.parent_id = new_parent.id
    new_path = f"{new_parent.path}{org.id}/"
    # Descendants keep their tail below the moved organisation: one UPDATE for the whole subtree.
    db.session.execute(
        update(Organisation).where(Organisation.path.startswith(old_path, autoescape=True))
        .values(path=literal(new_path, String) + func.substr(Organisation.path, len(old_path) + 1))
        .execution_options(synchronize_session="fetch"))
    db.session.flush()
    db.session.refresh(org)


def set_active(actor: User, org: Organisation, active: bool) -> int:
    """Deactivate (with everything below it) or reactivate; returns how many organisations changed."""
    if not editable(actor, org):
        raise NotFound("")
    result = db.session.execute(
        update(Organisation).where(Organisation.path.startswith(org.path, autoescape=True), Organisation.active != active)
        .values(active=active).execution_options(synchronize_session="fetch"))
    return result.rowcount


def tree(actor: User) -> list[tuple[Organisation, int]]:
    """Every organisation the actor manages with its depth below the actor's root, in tree order."""
    rows: list[Organisation] = []
    for root in managed_roots(actor):
        rows += db.session.scalars(select(Organisation).where(Organisation.path.startswith(root.path, autoescape=True)))
    unique = {org.id: org for org in rows}
    by_parent: dict[int | None, list[Organisation]] = {}
    for org in unique.values():
        parent = org.parent_id if org.parent_id in unique else None
        by_parent.setdefault(parent, []).append(org)
    ordered: list[tuple[Organisation, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for org in sorted(by_parent.get(parent, []), key=lambda o: (o.code, o.id)):
            ordered.append((org, depth))
            walk(org.id, depth + 1)

    walk(None, 0)
    return ordered
