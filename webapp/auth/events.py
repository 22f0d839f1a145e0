"""The login audit trail: one row per attempt, written in the request's transaction."""
from __future__ import annotations

from flask import request

from ..extensions import db
from ..models import LoginEvent, User


def record_login(username: str, user: User | None, outcome: str) -> None:
    """Note an attempt (`succeeded`, `failed` or `throttled`); the caller commits."""
    db.session.add(LoginEvent(
        username=username[:64],
        user_id=user.id if user is not None else None,
        address=(request.remote_addr or "")[:64] or None,
        outcome=outcome,
    ))
