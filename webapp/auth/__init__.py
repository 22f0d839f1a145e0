"""Logging in and out, and the language switch."""
from __future__ import annotations

from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import User


def load_user(user_id: int) -> User | None:
    """A user as each request needs them, in one query.

    Roles (with their organisations) and the teacher profile come with the user: every page
    checks the roles, and the navigation asks whether the user is a teacher.
    """
    return db.session.get(User, int(user_id), options=[joinedload(User.roles), joinedload(User.profile)])
