"""The JSON read API (/api/v1): inbox, instances, titles, organisations, with the pages' scopes.

Authentication is a per-user token (`Authorization: Bearer sjt_…`), created and revoked on the
user's page; no session cookie is accepted, so a browser page cannot be made to call it. Out of
scope answers 404, like the pages; every list is paged (`limit` ≤ 200, `offset`).
"""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import func, or_, select

from ..core.errors import ActionRefused
from ..extensions import db
from ..models import HumanTask, InstanceStatus, Organisation, ProcessInstance, TeacherProfile, TitleHolding, User
from ..models.base import utcnow
from ..roles import OVERSEEING_ROLES
from ..workflow.operations import get_visible_instance
from ..workflow.queries import InboxFilter, inbox_query
from .blueprint import api
from .openapi import document
from .tokens import token_for

MAX_LIMIT = 200


def _error(status: int, message: str):
    response = jsonify({"error": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.before_request
def authenticate():
    """Every endpoint but the OpenAPI document needs a valid token."""
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    token = token_for(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return _error(401, "a valid API token is required (Authorization: Bearer …)")
    g.api_user = db.session.get(User, token.user_id)
    now = utcnow()
    if token.last_used_dt is None or (now - token.last_used_dt).total_seconds() > 300:
        token.last_used_dt = now  # at most one write per token every five minutes
        db.session.commit()
    return None


@api.errorhandler(ActionRefused)
def refused(error: ActionRefused):
    """Refusals as JSON, out of scope as 404."""
    return _error(error.status_code, error.message or "not found")


def _paging() -> tuple[int, int] | None:
    try:
        limit = int(request.args.get("limit", 50))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        return None
    if not 1 <= limit <= MAX_LIMIT or not 0 <= offset <= 10_000_000:
        return None
    return limit, offset


def _page(query, serialise):
    paging = _paging()
    if paging is None:
        return _error(400, f"limit must be 1–{MAX_LIMIT}, offset 0 or more")
    limit, offset = paging
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = [serialise(row) for row in db.session.scalars(query.limit(limit).offset(offset))]
    return jsonify({"items": items, "total": int(total or 0), "limit": limit, "offset": offset})


def _overseen_paths(user: User) -> list[str]:
    return [org.path for role, org in user.role_scopes() if role in OVERSEEING_ROLES]


def _visible_orgs(user: User):
    """Organisations below those the user oversees, and those the user holds a role at or teaches in."""
    paths = _overseen_paths(user)
    own = [org.id for _role, org in user.role_scopes()]
    if user.profile is not None:
        own.append(user.profile.school_id)
    conditions = [Organisation.path.startswith(path, autoescape=True) for path in paths]
    if own:
        conditions.append(Organisation.id.in_(own))
    return or_(*conditions) if conditions else Organisation.id.is_(None)


def _org(org: Organisation) -> dict:
    return {"id": org.id, "kind": org.kind.value, "name": org.name, "code": org.code, "parent_id": org.parent_id,
            "active": org.active, "is_rural": org.is_rural, "teacher_headcount": org.teacher_headcount}


@api.get("/openapi.json")
def openapi():
    """The OpenAPI 3.0 description of this API."""
    return jsonify(document(request.host_url.rstrip("/")))


@api.get("/me")
def me():
    """The token's user and their roles."""
    user: User = g.api_user
    return jsonify({"id": user.id, "username": user.username, "display_name": user.display_name,
                    "roles": [{"role": role.value, "org_id": org.id} for role, org in user.role_scopes()]})


@api.get("/organisations")
def organisations():
    """Organisations in the user's scope."""
    query = select(Organisation).where(_visible_orgs(g.api_user)).order_by(Organisation.id)
    return _page(query, _org)


@api.get("/organisations/<int:org_id>")
def organisation(org_id: int):
    """One organisation (404 outside the scope)."""
    org = db.session.scalar(select(Organisation).where(Organisation.id == org_id, _visible_orgs(g.api_user)))
    if org is None:
        return _error(404, "not found")
    return jsonify(_org(org))


@api.get("/titles")
def titles():
    """Title holdings: one's own, and those of teachers at schools the user oversees."""
    user: User = g.api_user
    paths = _overseen_paths(user)
    schools = select(Organisation.id).where(or_(*[Organisation.path.startswith(p, autoescape=True) for p in paths])) \
        if paths else None
    teachers = select(TeacherProfile.user_id).where(TeacherProfile.school_id.in_(schools)) if schools is not None else None
    condition = TitleHolding.user_id == user.id
    if teachers is not None:
        condition = or_(condition, TitleHolding.user_id.in_(teachers))
    query = select(TitleHolding).where(condition).order_by(TitleHolding.id)
    return _page(query, lambda t: {"id": t.id, "user_id": t.user_id, "level": t.level, "category": t.category,
                                   "certificate_no": t.certificate_no, "valid_from": t.valid_from.isoformat(),
                                   "valid_until": t.valid_until.isoformat(), "active": t.active})


@api.get("/inbox")
def inbox():
    """Open steps assigned to the user or waiting in their roles' queues."""
    query = inbox_query(g.api_user, InboxFilter()).order_by(HumanTask.due_dt.is_(None), HumanTask.due_dt, HumanTask.id)
    return _page(query, lambda t: {"id": t.id, "instance_id": t.instance_id, "process_id": t.process_id,
                                   "step": t.task_name, "title": t.title, "title_en": t.title_en,
                                   "subject": t.subject_name, "role": t.role.value, "org_id": t.org_id,
                                   "assigned_to_me": t.assignee_id == g.api_user.id,
                                   "due": t.due_dt.isoformat() if t.due_dt else None})


def _instance(instance: ProcessInstance) -> dict:
    return {"id": instance.id, "process_id": instance.process_id, "status": instance.status.value,
            "title": instance.title, "title_en": instance.title_en, "org_id": instance.org_id,
            "subject_user_id": instance.subject_user_id, "created": instance.created_dt.isoformat(),
            "completed": instance.completed_dt.isoformat() if instance.completed_dt else None}


@api.get("/instances")
def instances():
    """Processes the user sees: about them, or not confidential inside organisations they oversee."""
    user: User = g.api_user
    paths = _overseen_paths(user)
    condition = ProcessInstance.subject_user_id == user.id
    if paths:
        overseen = or_(*[ProcessInstance.org_path.startswith(p, autoescape=True) for p in paths])
        condition = or_(condition, overseen & ProcessInstance.confidential.is_(False))
    status = request.args.get("status")
    query = select(ProcessInstance).where(condition)
    if status is not None:
        if status not in {s.value for s in InstanceStatus}:
            return _error(400, "unknown status")
        query = query.where(ProcessInstance.status == InstanceStatus(status))
    return _page(query.order_by(ProcessInstance.id), _instance)


@api.get("/instances/<int:instance_id>")
def instance(instance_id: int):
    """One process (404 if the user may not see it, by the pages' rule)."""
    return jsonify(_instance(get_visible_instance(g.api_user, instance_id)))
