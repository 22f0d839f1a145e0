"""Pages: the organisation tree and the users (create, edit, roles, deactivate, passwords)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..core.errors import InvalidInput, NotFound
from ..extensions import db
from ..models import Organisation, OrgKind, RoleAssignment, TeacherProfile, User
from ..roles import Role
from ..titles import EDUCATION, PROFESSIONAL_TITLES
from ..transaction import committing
from . import orgs, tokens, users
from .access import (CHILD_KIND, managed_roots, manages_user, may_grant,
                     may_use_people_pages, profile_schools)
from .blueprint import bp
from .models import ApiToken, RoleGrantEvent
from .subjects import subject_options

PAGE_SIZE = 50


def _require_people_pages() -> None:
    if not may_use_people_pages(current_user):
        raise NotFound("")


def _reason() -> str:
    return (request.form.get("reason") or "").strip()


# -- organisations ------------------------------------------------------------------------------
@bp.get("/")
@login_required
def index():
    """The organisation tree the user manages (school administrators go to their teachers)."""
    _require_people_pages()
    if not managed_roots(current_user):
        return redirect(url_for("people.user_list"))
    counts = dict(db.session.execute(select(TeacherProfile.school_id, func.count()).group_by(TeacherProfile.school_id)).all())
    return render_template("people/orgs.html", rows=orgs.tree(current_user), counts=counts,
                           editable=lambda org: orgs.editable(current_user, org), child_kind=CHILD_KIND)


@bp.route("/orgs/<int:parent_id>/new", methods=["GET", "POST"])
@login_required
@committing
def new_org(parent_id: int):
    """Create an organisation below `parent_id`."""
    parent = orgs.get_org(current_user, parent_id)
    kind = CHILD_KIND.get(parent.kind)
    if kind is None:
        raise NotFound("")
    form = orgs.OrgForm()
    if request.method == "POST":
        form = orgs.OrgForm.read(request.form)
        try:
            org = orgs.create_child(current_user, parent, form)
        except InvalidInput:
            return render_template("people/org_form.html", form=form, parent=parent, kind=kind, org=None), 422
        flash(_("%(name)s created.", name=org.name), "success")
        return redirect(url_for("people.index"))
    return render_template("people/org_form.html", form=form, parent=parent, kind=kind, org=None)


@bp.route("/orgs/<int:org_id>", methods=["GET", "POST"])
@login_required
@committing
def edit_org(org_id: int):
    """Rename an organisation, change its attributes, move or deactivate it."""
    org = orgs.get_org(current_user, org_id)
    if not orgs.editable(current_user, org):
        raise NotFound("")
    form = orgs.OrgForm.of(org)
    status = 200
    if request.method == "POST":
        form = orgs.OrgForm.read(request.form)
        try:
            orgs.edit(current_user, org, form)
            flash(_("Saved."), "success")
            return redirect(url_for("people.index"))
        except InvalidInput:
            status = 422
    parents = [o for o, _depth in orgs.tree(current_user)
               if CHILD_KIND.get(o.kind) is org.kind and o.id != org.parent_id and o.active]
    return render_template("people/org_form.html", form=form, parent=org.parent, kind=org.kind, org=org,
                           parents=parents), status


@bp.post("/orgs/<int:org_id>/move")
@login_required
@committing
def move_org(org_id: int):
    """Move an organisation under another parent."""
    org = orgs.get_org(current_user, org_id)
    target = request.form.get("parent_id") or ""
    new_parent = db.session.get(Organisation, int(target)) if target.isdigit() else None
    try:
        orgs.move(current_user, org, new_parent)
    except InvalidInput as error:
        flash(error.message, "error")
        return redirect(url_for("people.edit_org", org_id=org.id)), 303
    flash(_("%(name)s moved.", name=org.name), "success")
    return redirect(url_for("people.index"))


@bp.post("/orgs/<int:org_id>/active")
@login_required
@committing
def set_org_active(org_id: int):
    """Deactivate an organisation (and everything below it), or reactivate it."""
    org = orgs.get_org(current_user, org_id)
    active = request.form.get("active") == "1"
    changed = orgs.set_active(current_user, org, active)
    flash((_("%(count)d organisation(s) reactivated.", count=changed) if active
           else _("%(count)d organisation(s) deactivated.", count=changed)), "success")
    return redirect(url_for("people.index"))


# -- users --------------------------------------------------------------------------------------
def _listable_orgs() -> list[Organisation]:
    roots = managed_roots(current_user) + profile_schools(current_user)
    return roots


@bp.get("/users")
@login_required
def user_list():
    """People in the user's scope: filter by organisation and name; pages of 50."""
    _require_people_pages()
    roots = _listable_orgs()
    org_id = request.args.get("org", "")
    chosen = db.session.get(Organisation, int(org_id)) if org_id.isdigit() else None
    if chosen is not None and not any(chosen.is_within(root) for root in roots):
        chosen = None
    scopes = [chosen] if chosen else roots
    query_text = (request.args.get("q") or "").strip()[:64]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    paths = [org.path for org in scopes]
    in_scope = or_(*[Organisation.path.startswith(path, autoescape=True) for path in paths])
    via_roles = select(RoleAssignment.user_id).join(Organisation, Organisation.id == RoleAssignment.org_id).where(in_scope)
    via_school = select(TeacherProfile.user_id).join(Organisation, Organisation.id == TeacherProfile.school_id).where(in_scope)
    query = select(User).where(or_(User.id.in_(via_roles), User.id.in_(via_school)))
    if query_text:
        like = f"%{query_text}%"
        query = query.where(or_(User.username.ilike(like), User.display_name.ilike(like), User.id_number.ilike(like)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    people = list(db.session.scalars(query.order_by(User.username).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
                                     .options(selectinload(User.roles), selectinload(User.profile))))
    return render_template("people/users.html", people=people, total=total, page=page, page_size=PAGE_SIZE,
                           query=query_text, chosen=chosen, filter_orgs=[o for o, _d in orgs.tree(current_user)] or roots,
                           may_create=bool(managed_roots(current_user)),
                           managed=lambda person: manages_user(current_user, person))


def _grant_choices() -> tuple[list[Role], list[Organisation]]:
    """Roles and organisations offered on grant forms (each pair is checked on submit)."""
    places = [o for o, _d in orgs.tree(current_user) if o.active]
    roles = [role for role in Role if any(may_grant(current_user, role, org) for org in places)]
    return roles, places


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
@committing
def new_user():
    """Create a user with one role; show the temporary password once."""
    if not managed_roots(current_user):
        raise NotFound("")
    roles, places = _grant_choices()
    form = users.UserForm()
    chosen = {"role": request.form.get("role", ""), "org_id": request.form.get("org_id", request.args.get("org", ""))}
    if request.method == "POST":
        form = users.UserForm.read(request.form)
        try:
            person, password = users.create_user(current_user, form, chosen["role"], chosen["org_id"], _reason())
        except InvalidInput:
            return render_template("people/user_new.html", form=form, roles=roles, places=places, chosen=chosen), 422
        flash(_("%(name)s created. Temporary password (shown once, to be changed at first login): %(password)s",
                name=person.display_name, password=password), "success")
        return redirect(url_for("people.user_page", user_id=person.id))
    return render_template("people/user_new.html", form=form, roles=roles, places=places, chosen=chosen)


def _user_page(person: User, status: int = 200, **extra):
    may_manage = manages_user(current_user, person)
    roles, places = _grant_choices() if may_manage else ([], [])
    events = list(db.session.scalars(select(RoleGrantEvent).where(RoleGrantEvent.user_id == person.id)
                                     .order_by(RoleGrantEvent.created_dt.desc(), RoleGrantEvent.id.desc()).limit(100)))
    token_rows = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == person.id).order_by(ApiToken.id)))
    context = dict(person=person, may_manage=may_manage, roles=roles, places=places, events=events, tokens=token_rows,
                   form=extra.pop("form", users.UserForm.of(person)),
                   profile_form=extra.pop("profile_form", users.ProfileForm.of(person.profile)),
                   schools=_profile_schools_for(person), titles=PROFESSIONAL_TITLES, education=EDUCATION,
                   subjects=subject_options(), revocable=lambda a: may_grant(current_user, a.role, a.organisation),
                   errors=extra.pop("errors", {}), error_form=extra.pop("error_form", None), new_token=None)
    context.update(extra)
    return render_template("people/user.html", **context), status


def _profile_schools_for(person: User) -> list[Organisation]:
    if manages_user(current_user, person):
        return [o for o, _d in orgs.tree(current_user) if o.kind is OrgKind.school and o.active]
    return [s for s in profile_schools(current_user) if s.active]


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
@committing
def user_page(user_id: int):
    """A user's page: account, profile, roles with their audit, tokens, deactivation."""
    person = users.get_person(current_user, user_id, profile_only=request.method == "GET")
    if request.method == "POST":
        form = users.UserForm.read(request.form)
        try:
            users.edit_user(current_user, person, form)
        except InvalidInput:
            return _user_page(person, 422, form=form, errors=form.errors, error_form="account")
        flash(_("Saved."), "success")
        return redirect(url_for("people.user_page", user_id=person.id))
    return _user_page(person)


@bp.post("/users/<int:user_id>/profile")
@login_required
@committing
def save_profile(user_id: int):
    """Save the profile facts (school administrators: their teachers only)."""
    person = users.get_person(current_user, user_id, profile_only=True)
    form = users.ProfileForm.read(request.form)
    try:
        users.save_profile(current_user, person, form, _profile_schools_for(person))
    except InvalidInput:
        return _user_page(person, 422, profile_form=form, errors=form.errors, error_form="profile")
    flash(_("Saved."), "success")
    return redirect(url_for("people.user_page", user_id=person.id))


def _user_action(user_id: int, form_name: str, action, done):
    """A POST of one form on a user's page: `action(person)` (the reason is read by it); refused, the
    page again with the message next to that form (422); else `done(person, outcome)` flashed, back to the page."""
    person = users.get_person(current_user, user_id)
    try:
        outcome = action(person)
    except InvalidInput as error:
        return _user_page(person, 422, errors={form_name: error.message}, error_form=form_name)
    flash(done(person, outcome), "success")
    return redirect(url_for("people.user_page", user_id=person.id))


@bp.post("/users/<int:user_id>/roles")
@login_required
@committing
def grant_role(user_id: int):
    """Grant a role at an organisation, with a reason."""
    return _user_action(user_id, "grant", lambda person: users.grant(
        current_user, person, request.form.get("role", ""), request.form.get("org_id", ""), _reason()),
        lambda _person, _assignment: _("Role granted."))


@bp.post("/users/<int:user_id>/roles/<int:assignment_id>/revoke")
@login_required
@committing
def revoke_role(user_id: int, assignment_id: int):
    """Revoke one role, with a reason."""
    return _user_action(user_id, "revoke", lambda person: users.revoke(current_user, person, assignment_id, _reason()),
                        lambda _person, _none: _("Role revoked."))


@bp.post("/users/<int:user_id>/deactivate")
@login_required
@committing
def deactivate_user(user_id: int):
    """Deactivate: open queue steps go back to the queues, the county office is told."""
    return _user_action(user_id, "deactivate", lambda person: users.deactivate(current_user, person, _reason()),
                        lambda person, outcome: _(
                            "%(name)s deactivated: %(returned)d open step(s) back to their queues, %(personal)d "
                            "personal step(s) to reassign; %(told)d office user(s) told.",
                            name=person.display_name, **outcome))


@bp.post("/users/<int:user_id>/reactivate")
@login_required
@committing
def reactivate_user(user_id: int):
    """Let a deactivated user log in again."""
    return _user_action(user_id, "reactivate", lambda person: users.reactivate(current_user, person, _reason()),
                        lambda person, _none: _("%(name)s can log in again.", name=person.display_name))


@bp.post("/users/<int:user_id>/password")
@login_required
@committing
def reset_password(user_id: int):
    """Set a temporary password, shown once, to be changed at the next login."""
    person = users.get_person(current_user, user_id)
    password = users.reset_password(person)
    flash(_("Temporary password for %(name)s (shown once, to be changed at the next login): %(password)s",
            name=person.display_name, password=password), "success")
    return redirect(url_for("people.user_page", user_id=person.id))


@bp.post("/users/<int:user_id>/tokens")
@login_required
@committing
def create_token(user_id: int):
    """A new API token for the user (managers, or the user on their own account page)."""
    person = _token_owner(user_id)
    name = (request.form.get("name") or "").strip()
    if not name or len(name) > 100:
        flash(_("Name the token (at most %(count)d characters).", count=100), "error")
        return _back_to_tokens(person), 303
    token, secret = tokens.create(person, name, current_user)
    flash(_("Token “%(name)s” created. Copy it now, it is not shown again: %(token)s", name=name, token=secret), "success")
    return _back_to_tokens(person)


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@login_required
@committing
def revoke_token(user_id: int, token_id: int):
    """Revoke an API token."""
    person = _token_owner(user_id)
    tokens.revoke(person, token_id)
    flash(_("Token revoked."), "success")
    return _back_to_tokens(person)


def _token_owner(user_id: int) -> User:
    if user_id == current_user.id:
        return current_user
    return users.get_person(current_user, user_id)


def _back_to_tokens(person: User):
    if person.id == current_user.id and not manages_user(current_user, person):
        return redirect(url_for("people.account"))
    return redirect(url_for("people.user_page", user_id=person.id))
