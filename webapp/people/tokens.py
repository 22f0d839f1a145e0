"""API tokens: created for a user (shown once), stored as SHA-256, revoked."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from ..core.errors import NotFound
from ..extensions import db
from ..models import User
from ..models.base import utcnow
from .models import ApiToken

PREFIX = "sjt_"


def digest(secret: str) -> str:
    """What is stored of a token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create(user: User, name: str, created_by: User) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and never stored."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(secret), prefix=secret[:10], created_by_id=created_by.id)
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke(user: User, token_id: int) -> None:
    """Revoke one of the user's tokens (404 if it is not theirs)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("")
    if token.revoked_dt is None:
        token.revoked_dt = utcnow()


def token_for(secret: str) -> ApiToken | None:
    """A valid, unrevoked token of an active user."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_dt is not None:
        return None
    user = db.session.get(User, token.user_id)
    return token if user is not None and user.is_active else None
