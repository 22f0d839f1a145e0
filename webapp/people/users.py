"""User operations: create, edit, profile facts, role grants and revokes (audited), deactivation
(open steps back to their queues, the office told), temporary passwords. Callers commit."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ..core.errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..models import AuditEvent, HumanTask, NotificationKind, Organisation, RoleAssignment, TaskState, TeacherProfile, User
from ..models.base import utcnow
from ..notifications.events import holders_above, notify_event
from ..roles import Role
from ..titles import EDUCATION, PROFESSIONAL_TITLES
from . import idnumber
from .access import edits_profile_of, manages, manages_user, may_grant
from .models import RoleGrantEvent
from .passwords import password_problem, temporary_password
from .subjects import subject_codes

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
# The form posts a code (pages in English carry no Chinese); the profile stores the Chinese word.
GENDERS = {"male": "男", "female": "女"}


def get_person(actor: User, user_id: int, *, profile_only: bool = False) -> User:
    """A person the actor manages, or (profile_only) whose profile the actor edits; 404 otherwise."""
    person = db.session.get(User, user_id)
    if person is None:
        raise NotFound("")
    allowed = edits_profile_of(actor, person) if profile_only else manages_user(actor, person)
    if not allowed:
        raise NotFound("")
    return person


@dataclass
class UserForm:
    """The account fields of the user form."""

    username: str = ""
    display_name: str = ""
    email: str = ""
    id_number: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, form) -> "UserForm":
        return cls(username=(form.get("username") or "").strip(), display_name=(form.get("display_name") or "").strip(),
                   email=(form.get("email") or "").strip(), id_number=idnumber.normalise(form.get("id_number") or ""))

    @classmethod
    def of(cls, user: User) -> "UserForm":
        return cls(username=user.username, display_name=user.display_name, email=user.email or "",
                   id_number=user.id_number or "")

    def check(self, existing: User | None = None) -> None:
        """Fill `errors` (field → message)."""
        if not USERNAME.match(self.username):
            self.errors["username"] = _("2–64 letters, digits, dots, - or _.")
        else:
            clash = db.session.scalar(select(User.id).where(User.username == self.username))
            if clash is not None and (existing is None or clash != existing.id):
                self.errors["username"] = _("This user name is taken.")
        if not self.display_name or len(self.display_name) > 100:
            self.errors["display_name"] = _("Enter a name of at most %(count)d characters.", count=100)
        if self.email and (len(self.email) > 200 or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", self.email)):
            self.errors["email"] = _("Enter a valid e-mail address.")
        if self.id_number:
            if not idnumber.is_valid(self.id_number):
                self.errors["id_number"] = _("Not a valid identity number (18 characters, the last one a checksum).")
            else:
                clash = db.session.scalar(select(User.id).where(User.id_number == self.id_number))
                if clash is not None and (existing is None or clash != existing.id):
                    self.errors["id_number"] = _("Another user has this identity number.")

    def apply(self, user: User) -> None:
        user.username, user.display_name = self.username, self.display_name
        user.email = self.email or None
        user.id_number = self.id_number or None


def _role_and_org(actor: User, role_value: str, org_id: str, errors: dict) -> tuple[Role | None, Organisation | None]:
    """The role and organisation chosen on a grant form, checked against what the actor may grant."""
    role = next((r for r in Role if r.value == role_value), None)
    org = db.session.get(Organisation, int(org_id)) if org_id.isdigit() else None
    if role is None:
        errors["role"] = _("Choose a role.")
    if org is None or not manages(actor, org):
        errors["org_id"] = _("Choose an organisation.")
    elif role is not None and not may_grant(actor, role, org):
        errors["role"] = _("You may not grant this role at this organisation (a %(kind)s role needs a %(kind)s).",
                           kind=role.level)
    elif role is not None and not org.active:
        errors["org_id"] = _("This organisation is deactivated.")
    return role, org


def create_user(actor: User, form: UserForm, role_value: str, org_id: str, reason: str) -> tuple[User, str]:
    """A new user holding one role, with a temporary password to change at first login (returned once)."""
    form.check()
    role, org = _role_and_org(actor, role_value, org_id, form.errors)
    if form.errors:
        raise InvalidInput(_("Please correct the marked fields."), list(form.errors))
    password = temporary_password()
    user = User(password_hash=generate_password_hash(password), must_change_password=True)
    form.apply(user)
    db.session.add(user)
    db.session.flush()
    _grant(actor, user, role, org, reason or _("Account created"))
    return user, password


def edit_user(actor: User, person: User, form: UserForm) -> None:
    """Change the account fields."""
    form.check(existing=person)
    if form.errors:
        raise InvalidInput(_("Please correct the marked fields."), list(form.errors))
    form.apply(person)


def grant(actor: User, person: User, role_value: str, org_id: str, reason: str) -> RoleAssignment:
    """Grant a role at an organisation, with the reason recorded."""
    errors: dict[str, str] = {}
    role, org = _role_and_org(actor, role_value, org_id, errors)
    if not reason.strip():
        errors["reason"] = _("Give a reason.")
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), list(errors))
    if any(a.role is role and a.org_id == org.id for a in person.roles):
        raise Conflict(_("The user already holds this role there."))
    return _grant(actor, person, role, org, reason.strip())


def _grant(actor: User, person: User, role: Role, org: Organisation, reason: str) -> RoleAssignment:
    assignment = RoleAssignment(role=role, org_id=org.id)
    person.roles.append(assignment)
    _role_event(actor, person, role, org.id, "grant", reason)
    db.session.flush()
    return assignment


def revoke(actor: User, person: User, assignment_id: int, reason: str) -> None:
    """Revoke one role, with the reason recorded."""
    assignment = next((a for a in person.roles if a.id == assignment_id), None)
    if assignment is None or not may_grant(actor, assignment.role, assignment.organisation):
        raise NotFound("")
    if not reason.strip():
        raise InvalidInput(_("Give a reason."), ["reason"])
    _role_event(actor, person, assignment.role, assignment.org_id, "revoke", reason.strip())
    person.roles.remove(assignment)
    db.session.flush()


def deactivate(actor: User, person: User, reason: str) -> dict:
    """Deactivate a user: queue steps they claimed go back to their role's queue; the county office
    over each open step is told (personal steps stay and are listed for reassignment)."""
    if not reason.strip():
        raise InvalidInput(_("Give a reason."), ["reason"])
    if person.id == actor.id:
        raise Conflict(_("You cannot deactivate yourself."))
    if not person.is_active_flag:
        raise Conflict(_("The user is already deactivated."))
    person.is_active_flag = False
    tasks = list(db.session.scalars(
        select(HumanTask).where(HumanTask.assignee_id == person.id, HumanTask.state == TaskState.open)))
    returned = [task for task in tasks if not task.personal]
    personal = [task for task in tasks if task.personal]
    for task in returned:
        task.assignee_id = None
        db.session.add(AuditEvent(instance_id=task.instance_id, actor_id=actor.id, action="released",
                                  task_name=task.task_name, task_title=task.title, task_title_en=task.title_en,
                                  comment=_("Back to the queue: %(name)s was deactivated (%(reason)s)",
                                            name=person.display_name, reason=reason.strip())))
    _status_event(actor, person, "deactivate", reason.strip())
    offices: set[int] = set()
    for task in tasks:
        offices.update(holders_above(Role.county_office, task.organisation))
    for role, org in person.role_scopes():
        if org.kind.value in ("school", "county"):
            offices.update(holders_above(Role.county_office, org))
    offices.discard(person.id)
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    notify_event(NotificationKind.deactivated, offices, key=f"user:{person.id}:deactivated:{stamp}",
                 params={"name": person.display_name, "reason": reason.strip()[:300], "returned": len(returned),
                         "personal": len(personal), "title": person.display_name},
                 link=f"/admin/people/users/{person.id}")
    db.session.flush()
    return {"returned": len(returned), "personal": len(personal), "told": len(offices)}


def reactivate(actor: User, person: User, reason: str) -> None:
    """Let a deactivated user log in again."""
    if person.is_active_flag:
        raise Conflict(_("The user is active."))
    person.is_active_flag = True
    _status_event(actor, person, "activate", reason.strip() or _("Reactivated"))


def _status_event(actor: User, person: User, action: str, reason: str) -> None:
    """Deactivation and reactivation join the role history (at the person's first role or school)."""
    if person.roles:
        role, org_id = person.roles[0].role, person.roles[0].org_id
    elif person.profile is not None:
        role, org_id = Role.teacher, person.profile.school_id
    else:
        return  # belongs nowhere: nothing to attach the entry to (such a person is not the actor's to manage)
    _role_event(actor, person, role, org_id, action, reason)


def _role_event(actor: User, person: User, role: Role, org_id: int, action: str, reason: str) -> None:
    """One entry of the person's role history (grant, revoke, deactivate, activate), with its reason."""
    db.session.add(RoleGrantEvent(user_id=person.id, role=role, org_id=org_id, action=action, actor_id=actor.id,
                                  reason=reason[:2000]))


def reset_password(person: User) -> str:
    """A new temporary password (returned once) that must be changed at the next login."""
    password = temporary_password()
    person.password_hash = generate_password_hash(password)
    person.must_change_password = True
    return password


def change_own_password(user: User, current: str, new: str, repeat: str) -> dict[str, str]:
    """Field → message; empty and the password changed if everything is right."""
    errors: dict[str, str] = {}
    if not user.check_password(current):
        errors["current"] = _("This is not your current password.")
    problem = password_problem(new, user.username)
    if problem:
        errors["new"] = problem
    elif new != repeat:
        errors["repeat"] = _("The two passwords differ.")
    elif user.check_password(new):
        errors["new"] = _("Choose a password different from the current one.")
    if not errors:
        user.password_hash = generate_password_hash(new)
        user.must_change_password = False
    return errors


@dataclass
class ProfileForm:
    """A teacher's profile facts (what eligibility rules read)."""

    school_id: str = ""
    gender: str = ""
    birth_date: str = ""
    teaching_start_date: str = ""
    professional_title: str = ""
    education: str = ""
    subject: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, form) -> "ProfileForm":
        return cls(**{key: (form.get(key) or "").strip() for key in
                      ("school_id", "gender", "birth_date", "teaching_start_date", "professional_title", "education",
                       "subject")})

    @classmethod
    def of(cls, profile: TeacherProfile | None) -> "ProfileForm":
        if profile is None:
            return cls()
        gender = next((code for code, word in GENDERS.items() if word == profile.gender), "")
        return cls(school_id=str(profile.school_id), gender=gender, birth_date=profile.birth_date.isoformat(),
                   teaching_start_date=profile.teaching_start_date.isoformat(),
                   professional_title=profile.professional_title, education=profile.education, subject=profile.subject)


def save_profile(actor: User, person: User, form: ProfileForm, schools: list[Organisation]) -> None:
    """Create or update the profile; the school must be one the actor may place teachers in."""
    errors = form.errors
    school = next((s for s in schools if str(s.id) == form.school_id), None)
    if school is None:
        errors["school_id"] = _("Choose a school.")
    if form.gender not in GENDERS:
        errors["gender"] = _("Choose one.")
    days = {}
    for key in ("birth_date", "teaching_start_date"):
        try:
            days[key] = date.fromisoformat(form.__dict__[key])
        except ValueError:
            errors[key] = _("Enter a date as YYYY-MM-DD.")
    if form.professional_title not in PROFESSIONAL_TITLES:
        errors["professional_title"] = _("Choose one.")
    if form.education not in EDUCATION:
        errors["education"] = _("Choose one.")
    if form.subject not in subject_codes():
        errors["subject"] = _("Choose one.")
    if not errors and days["teaching_start_date"] <= days["birth_date"]:
        errors["teaching_start_date"] = _("Must be after the birth date.")
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), list(errors))
    profile = person.profile or TeacherProfile(user=person)
    profile.school_id = school.id
    profile.gender = GENDERS[form.gender]
    profile.birth_date, profile.teaching_start_date = days["birth_date"], days["teaching_start_date"]
    profile.professional_title, profile.education, profile.subject = form.professional_title, form.education, form.subject
    db.session.add(profile)
    db.session.flush()
