"""One database transaction per request: mutating views commit at the end, or roll back."""
from __future__ import annotations

import functools

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from .extensions import db
from .core.errors import ActionRefused, Conflict


def committing(view):
    """Run the view, then commit; a concurrent update becomes 409 Conflict and nothing is kept."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            response = view(*args, **kwargs)
            db.session.commit()
            return response
        except ActionRefused:
            db.session.rollback()
            raise
        except (StaleDataError, IntegrityError) as error:
            db.session.rollback()
            raise Conflict(_("Someone else acted on this at the same time. Reload and try again.")) from error
        except OperationalError as error:
            db.session.rollback()
            if "locked" in str(error).lower() or "deadlock" in str(error).lower():
                raise Conflict(_("Someone else acted on this at the same time. Reload and try again.")) from error
            raise
        except Exception:
            db.session.rollback()
            raise

    return wrapper
