"""The logged-in users of this process, kept between requests and checked against their stamp.

An entry is `user id → (auth_version, a detached copy of the user with roles, the roles'
organisations and the teacher profile)`. The copy belongs to no session: a request gets its own
instance through `Session.merge(copy, load=False)`, which only reads the copy, so threads can
share it. Triggers raise `user_account.auth_version` on every change to what the copy holds
(`webapp/models/auth_version.py`), and each request reads the stamp first: a stale entry is
never used, in whichever process the change was made.

Only committed rows are ever cached (see `webapp/auth/__init__.py`): a stamp then names one
state of the rows for good, since a committed stamp only grows.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Flask, current_app

from ..models import User

DEFAULT_SIZE = 4096


class UserCache:
    """A bounded, thread-safe LRU map of user id → (stamp, detached user)."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self._entries: OrderedDict[int, tuple[int, User]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_id: int, version: int) -> User | None:
        """The cached copy if it was taken at `version`, else None (a stale entry is dropped)."""
        with self._lock:
            entry = self._entries.get(user_id)
            if entry is None:
                return None
            if entry[0] != version:
                del self._entries[user_id]
                return None
            self._entries.move_to_end(user_id)
            return entry[1]

    def put(self, user_id: int, version: int, user: User) -> None:
        """Keep `user` (detached, never to be attached) as the copy at `version`."""
        with self._lock:
            self._entries[user_id] = (version, user)
            self._entries.move_to_end(user_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, user_id: int) -> bool:
        return user_id in self._entries


def user_cache(app: Flask | None = None) -> UserCache:
    """The app's cache (one per app and process; `USER_CACHE_SIZE` entries at most)."""
    app = app or current_app
    cache = app.extensions.get("user_cache")
    if cache is None:
        cache = app.extensions.setdefault("user_cache", UserCache(app.config.get("USER_CACHE_SIZE", DEFAULT_SIZE)))
    return cache


def forget_cached_users(app: Flask) -> None:
    """Empty the cache (tests empty the database between cases; ids are then reused)."""
    cache = app.extensions.get("user_cache")
    if cache is not None:
        cache.clear()
