"""Logging in and out, and the language switch."""
from __future__ import annotations

from sqlalchemy import bindparam, func, literal, select
from sqlalchemy.orm import Session, joinedload

from ..extensions import db
from ..models import User
from .cache import user_cache

_user_table = User.__table__
# Core, columns only: the whole cost of a request whose user this process already holds.
_STAMP = select(_user_table.c.auth_version, _user_table.c.is_active).where(_user_table.c.id == bindparam("id"))


def _unwritten_column(dialect_name: str):
    """PostgreSQL says in the statement itself whether this transaction has written anything yet;
    Python's sqlite3 opens a transaction only before its first write, which the caller checks."""
    if dialect_name == "postgresql":
        return func.pg_current_xact_id_if_assigned().is_(None)
    return literal(True)


def load_user(user_id: int) -> User | None:
    """The active user as each request needs them: roles (with their organisations) and the teacher
    profile loaded, since every page checks the roles and the navigation asks whether the user is
    a teacher. None for an unknown or deactivated user.

    If this process holds a copy of the user (`auth/cache.py`), only their stamp is read
    (`user_account.auth_version`, raised by triggers on any change to the user, their roles, those
    organisations or the profile, and `is_active`); a copy taken at that stamp joins the request's
    session through `merge(load=False)`, with no other statement. Otherwise the user is loaded in
    one joined query as before, and a copy kept.
    """
    user_id = int(user_id)
    session = db.session()  # the request's own Session
    if session.identity_map.get(session.identity_key(User, user_id)) is not None:
        # Already in this session (a service calling load_user again): its state is left alone.
        user = session.get(User, user_id, options=_with_roles_and_profile())
        return user if user is not None and user.is_active_flag else None
    connection = session.connection()
    sqlite_unwritten = connection.dialect.name != "postgresql" and not connection.connection.driver_connection.in_transaction
    cache = user_cache()
    # Unflushed changes in this session: a merge could overwrite them (an organisation it already
    # holds, say), and the load below flushes them first. Requests load their user before writing.
    pending = bool(session.new or session.dirty or session.deleted)
    if user_id in cache and not pending:
        stamp = connection.execute(_STAMP, {"id": user_id}).first()
        if stamp is None or not stamp.is_active:
            return None
        cached = cache.get(user_id, stamp.auth_version)
        if cached is not None:
            return session.merge(cached, load=False)
    # Not held at this stamp (or never seen: then the stamp read would be wasted, the load reads it).
    # Only a transaction that has written nothing (and has nothing to flush) may fill the cache from
    # its own load: what it reads is then committed, and a committed stamp names one state of the
    # rows for good. A stamp this transaction raised could be rolled back, then reached again by
    # another change.
    row = session.execute(
        select(User, _unwritten_column(connection.dialect.name))
        .options(*_with_roles_and_profile()).where(User.id == user_id)
    ).unique().first()
    if row is None or not row[0].is_active_flag:
        return None
    user, unwritten = row
    if unwritten and not pending and (connection.dialect.name == "postgresql" or sqlite_unwritten):
        cache.put(user_id, user.auth_version, _detached_copy(user))
    return user


def _with_roles_and_profile():
    # Built per call: at import time the mappers cannot be configured yet (processes add models).
    return (joinedload(User.roles), joinedload(User.profile))


def _detached_copy(user: User) -> User:
    """A copy of the loaded user, roles, organisations and profile that belongs to no session
    (a merge into a throwaway session, no SQL: three times cheaper than a pickle round trip)."""
    with Session() as scratch:
        return scratch.merge(user, load=False)
