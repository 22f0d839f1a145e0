"""Who administers which organisations and people.

- A system administrator or province office manages everything inside its province; a city
  office inside its city; a county office inside its county: organisations below its own, the
  people of them, and the roles held there.
- At its own organisation a manager grants only the working roles of that level (research staff,
  experts, the training centre of a county), never an overseeing role like its own; only a
  system administrator grants anything anywhere inside its province.
- A school administrator edits only the profile facts of the teachers of its school.
Everything outside answers 404, like a page that does not exist.
"""
from __future__ import annotations

from ..core.errors import NotFound
from ..models import Organisation, OrgKind, User
from ..roles import Role

MANAGING_ROLES = (Role.sysadmin, Role.province_office, Role.city_office, Role.county_office)
# Roles a manager may grant at its own organisation (not only below it).
WORKING_ROLES = {
    OrgKind.county: {Role.research_staff, Role.expert, Role.training_centre, Role.county_leader, Role.process_admin,
                     Role.hr_bureau},
    # A city or province office runs its own competitive reviews: their staff, experts and leading group.
    OrgKind.city: {Role.research_staff, Role.expert, Role.county_leader},
    OrgKind.province: {Role.research_staff, Role.expert, Role.county_leader},
}
CHILD_KIND = {OrgKind.province: OrgKind.city, OrgKind.city: OrgKind.county, OrgKind.county: OrgKind.school}


def managed_roots(user: User) -> list[Organisation]:
    """The organisations inside which the user manages organisations and people."""
    return [org for role, org in user.role_scopes() if role in MANAGING_ROLES]


def profile_schools(user: User) -> list[Organisation]:
    """Schools where the user (a school administrator) edits teachers' profile facts."""
    return [org for role, org in user.role_scopes() if role is Role.school_admin]


def is_manager(user: User) -> bool:
    """True if the user manages organisations and people somewhere."""
    return bool(managed_roots(user))


def may_use_people_pages(user: User) -> bool:
    """Managers and school administrators (the navigation link and the user list)."""
    return is_manager(user) or bool(profile_schools(user))


def manages(user: User, org: Organisation) -> bool:
    """True if `org` lies inside one of the user's managed organisations."""
    return any(org.is_within(root) for root in managed_roots(user))


def check_manages(user: User, org: Organisation | None) -> Organisation:
    """The organisation if the user manages it; NotFound otherwise."""
    if org is None or not manages(user, org):
        raise NotFound("")
    return org


def may_grant(user: User, role: Role, org: Organisation) -> bool:
    """True if the user may grant or revoke `role` at `org`."""
    if org.kind.value not in role.levels:
        return False
    for held, root in user.role_scopes():
        if held not in MANAGING_ROLES or not org.is_within(root):
            continue
        if held is Role.sysadmin:
            return True
        if org.id != root.id and role is not Role.sysadmin:
            return True
        if role in WORKING_ROLES.get(root.kind, set()):
            return True
    return False


def user_orgs(user: User) -> list[Organisation]:
    """Where a person belongs: their roles' organisations and their school."""
    orgs = [org for _role, org in user.role_scopes()]
    if user.profile is not None and user.profile.school is not None:
        orgs.append(user.profile.school)
    return orgs


def manages_user(actor: User, person: User) -> bool:
    """True if every place the person belongs to is inside the actor's management (a person with
    a role above the actor's reach is not the actor's to edit)."""
    orgs = user_orgs(person)
    return bool(orgs) and all(manages(actor, org) for org in orgs)


def edits_profile_of(actor: User, person: User) -> bool:
    """True if the actor may edit the person's profile facts (manager, or their school's administrator)."""
    if manages_user(actor, person):
        return True
    if person.profile is None:
        return False
    if any(role is not Role.teacher for role, _org in person.role_scopes()):
        return False  # a school administrator edits teachers, not colleagues with other roles
    return any(person.profile.school_id == school.id for school in profile_schools(actor))


def may_see_user(actor: User, person: User) -> bool:
    """The user page: whoever may edit the person's profile."""
    return edits_profile_of(actor, person)
