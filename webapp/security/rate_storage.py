"""A `limits` storage in the application's own database: `RATELIMIT_STORAGE_URI = "appdb://"`.

The storages `limits` ships (memory, Redis, Memcached, MongoDB) are either private to one process
— under gunicorn each worker would count on its own, multiplying every limit by the number of
workers — or another service to run. This one keeps fixed-window counters in the table
`rate_limit_counter`, which SQLite and PostgreSQL share between all processes. Each call runs in
its own short transaction on its own connection, so a counter is kept even when the request that
caused it rolls back, and it never waits on the request's own transaction (the login view commits
before the limiter counts).

Registering happens on import (limits keeps a registry of `STORAGE_SCHEME`s).
"""
from __future__ import annotations

import hashlib
import time

from limits.storage import Storage
from sqlalchemy import case, delete, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import RateLimitCounter

_TABLE = RateLimitCounter.__table__
# Expired windows are deleted this long after they end (any row may be reused before that).
_PURGE_AFTER_SECONDS = 3600


def _insert(dialect: str):
    """The dialect's INSERT that supports ON CONFLICT."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(_TABLE)


def _column_key(key: str) -> str:
    """Keys fit the column; a longer one (never seen with our key functions) is hashed."""
    return key if len(key) <= 255 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """Fixed-window counters in the app's database (Flask-SQLAlchemy's engine of the current app)."""

    STORAGE_SCHEME = ["appdb"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` hits; a window that has ended starts again. Returns the count in the window."""
        now = time.time()
        engine = db.engine
        ended = _TABLE.c.expires_epoch <= now
        statement = (
            _insert(engine.dialect.name)
            .values(key=_column_key(key), hits=amount, expires_epoch=now + expiry)
        )
        statement = statement.on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={
                "hits": case((ended, amount), else_=_TABLE.c.hits + amount),
                "expires_epoch": case((ended, now + expiry), else_=_TABLE.c.expires_epoch),
            },
        ).returning(_TABLE.c.hits)
        with engine.begin() as connection:
            hits = connection.execute(statement).scalar_one()
        with engine.begin() as connection:  # apart, so the counter above never waits on the purge
            connection.execute(delete(_TABLE).where(_TABLE.c.expires_epoch < now - _PURGE_AFTER_SECONDS))
        return hits

    def get(self, key: str) -> int:
        """Hits in the current window (0 when there is none)."""
        with db.engine.connect() as connection:
            hits = connection.execute(
                select(_TABLE.c.hits).where(_TABLE.c.key == _column_key(key),
                                            _TABLE.c.expires_epoch > time.time())
            ).scalar()
        return hits or 0

    def get_expiry(self, key: str) -> float:
        """When the current window ends (now, when there is none)."""
        now = time.time()
        with db.engine.connect() as connection:
            expires = connection.execute(
                select(_TABLE.c.expires_epoch).where(_TABLE.c.key == _column_key(key),
                                                     _TABLE.c.expires_epoch > now)
            ).scalar()
        return expires or now

    def check(self) -> bool:
        """The database answers."""
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        """Forget every counter."""
        with db.engine.begin() as connection:
            return connection.execute(delete(_TABLE)).rowcount

    def clear(self, key: str) -> None:
        """Forget one counter."""
        with db.engine.begin() as connection:
            connection.execute(delete(_TABLE).where(_TABLE.c.key == _column_key(key)))
