"""Logging in and out, and the language switch."""
from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from ..extensions import db
from ..models import User
from .cache import user_cache

_user_table = User.__table__
# Core, columns only: the whole cost of a request whose user this process already holds.
_STAMP = select(_user_table.c.auth_version, _user_table.c.is_active).where(_user_table.c.id == bindparam("id"))
# PostgreSQL says in the same statement whether this transaction has written anything yet.
_STAMP_POSTGRESQL = select(
    _user_table.c.auth_version, _user_table.c.is_active,
    func.pg_current_xact_id_if_assigned().is_(None).label("unwritten"),
).where(_user_table.c.id == bindparam("id"))


def _with_roles_and_profile():
    # Built per call: at import time the mappers cannot be configured yet (processes add models).
    return (joinedload(User.roles), joinedload(User.profile))


def load_user(user_id: int) -> User | None:
    """The active user as each request needs them: roles (with their organisations) and the teacher
    profile loaded, since every page checks the roles and the navigation asks whether the user is
    a teacher. None for an unknown or deactivated user.

    First the user's stamp (`user_account.auth_version`, raised by triggers on any change to the
    user, their roles, those organisations or the profile). If this process holds a copy taken at
    that stamp (`auth/cache.py`), the request's session gets it through `merge(load=False)`, with
    no other statement; otherwise the user is loaded in one joined query as before, and a copy kept.
    """
    user_id = int(user_id)
    session = db.session()  # the request's own Session
    stamp, unwritten = _read_stamp(session, user_id)
    if stamp is None or not stamp.is_active:
        return None
    if session.identity_map.get(session.identity_key(User, user_id)) is not None:
        # Already in this session (a service calling load_user again): its state is left alone.
        return session.get(User, user_id, options=_with_roles_and_profile())
    cache = user_cache()
    cached = cache.get(user_id, stamp.auth_version)
    if cached is not None:
        return session.merge(cached, load=False)
    # Only a transaction that has written nothing (and has nothing to flush) may fill the cache
    # from its own load: what it reads is then committed, and a committed stamp names one state
    # of the rows for good. A stamp this transaction raised could be rolled back and reused.
    unwritten = unwritten and not (session.new or session.dirty or session.deleted)
    user = session.get(User, user_id, options=_with_roles_and_profile())
    if user is not None and unwritten:
        cache.put(user_id, user.auth_version, _detached_copy(user))
    return user


def _read_stamp(session, user_id: int):
    """(the user's stamp and active flag, or None; whether this transaction has written nothing)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        row = connection.execute(_STAMP_POSTGRESQL, {"id": user_id}).first()
        return row, row is not None and row.unwritten
    # Python's sqlite3 opens a transaction only before its first write (INSERT/UPDATE/DELETE).
    unwritten = not connection.connection.driver_connection.in_transaction
    return connection.execute(_STAMP, {"id": user_id}).first(), unwritten


def _detached_copy(user: User) -> User:
    """A copy of the loaded user, roles, organisations and profile that belongs to no session
    (a merge into a throwaway session, no SQL: three times cheaper than a pickle round trip)."""
    with Session() as scratch:
        return scratch.merge(user, load=False)
