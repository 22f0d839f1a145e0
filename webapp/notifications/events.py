"""Events of the processes, notified in the app and by e-mail: the small API processes call.

A process (its package or its handlers) says what happened and to whom:

    notify_event(NotificationKind.returned, [teacher_id], key=f"application:{id}:review:{n}",
                 instance=instance_id, params={...})

Each recipient gets one notification row, written in the caller's transaction (so it exists
exactly when the change it reports was committed) and never twice for the same key: the
insert ignores a (kind, key, recipient) that exists already. The scheduler's delivery job sends
the e-mail copy in the reader's language, unless the reader chose in-app only. Events an
administrator switched off in `workflows/events.json` are not written at all.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import EmailState, Notification, NotificationKind, Organisation, OrgKind, RoleAssignment, User, utcnow
from ..roles import Role
from .event_policy import EventPolicy


def current_event_policy() -> EventPolicy:
    """The event policy in force for this app."""
    return current_app.extensions["event_policy"].current()


def announces(process_id: str, step: str) -> bool:
    """Whether a new step of this kind is announced in the digest (the engine asks this)."""
    return current_event_policy().announces(process_id, step)


def notify_event(
    kind: NotificationKind,
    recipients: Iterable[int],
    *,
    key: str,
    instance: int | None = None,
    params: dict | None = None,
    link: str | None = None,
) -> int:
    """Write one notification of `kind` per recipient; return how many were new.

    `key` names the event (unique per kind and recipient); `params` hold what the message says
    (both languages where it differs); `link` is a path inside the app (default: the reader's
    open step on `instance`, else the instance page).
    """
    if not current_event_policy().enabled(kind):
        return 0
    users = sorted({int(user_id) for user_id in recipients})
    if not users:
        return 0
    values = dict(params or {})
    if link:
        values["link"] = link
    now = utcnow()
    return insert_events([event_row(kind, user_id, key, now, instance=instance, params=values) for user_id in users])


def event_row(kind: NotificationKind, user_id: int, key: str, now, *, instance: int | None = None,
              params: dict | None = None) -> dict:
    """Column values of one event notification (its e-mail is due at once)."""
    return {"user_id": user_id, "kind": kind, "sequence": 0, "created_dt": now, "instance_id": instance,
            "params": params or {}, "event_key": key[:120], "email_state": EmailState.pending,
            "email_attempts": 0, "email_next_dt": now}


def insert_events(rows: list[dict]) -> int:
    """Insert event rows, ignoring any whose (kind, key, recipient) exists already; return how many were new."""
    if not rows:
        return 0
    dialect_insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(Notification).on_conflict_do_nothing(
        index_elements=["kind", "event_key", "user_id"]
    ).returning(Notification.id)
    return sum(len(db.session.execute(statement, rows[i:i + 1000]).all()) for i in range(0, len(rows), 1000))


def app_path(endpoint: str, **values) -> str:
    """The path of a page, also outside a request (timers run in the scheduler)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def holders(role: Role, org_id: int) -> list[int]:
    """Active users holding `role` at exactly the organisation `org_id`."""
    return list(db.session.scalars(
        select(RoleAssignment.user_id).join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role == role, RoleAssignment.org_id == org_id, User.is_active_flag.is_(True))
        .order_by(RoleAssignment.user_id)
    ))


def holders_above(role: Role, org: Organisation) -> list[int]:
    """Active holders of `role` at the organisation of its level containing `org` (a school's county office)."""
    ids = [int(part) for part in org.path.strip("/").split("/") if part]
    level_org = db.session.scalar(
        select(Organisation.id).where(Organisation.id.in_(ids), Organisation.kind == OrgKind(role.level))
    )
    return holders(role, level_org) if level_org is not None else []
