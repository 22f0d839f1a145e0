"""One database transaction per request: mutating views commit at the end, or roll back."""
from __future__ import annotations

import functools

from flask import session
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from .extensions import db
from .core.errors import STOPPED_INSTANCES, ActionRefused, Conflict, ProcessStopped


def committing(view):
    """Run the view, then commit; a concurrent update becomes 409 Conflict and nothing is kept.

    If a process stopped with an error during the action, the action is still committed (nothing
    the user did is lost; the instance keeps its state and the reason for administrators), and
    the user gets an error page saying so.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        db.session.info.pop(STOPPED_INSTANCES, None)
        try:
            response = view(*args, **kwargs)
            db.session.commit()
            if db.session.info.pop(STOPPED_INSTANCES, None):
                session.pop("_flashes", None)  # not "Submitted" on the next page
                raise ProcessStopped(_(
                    "Your action was saved, but the process then stopped with an error. The error is "
                    "recorded for the administrators (process page and the list of stopped processes)."))
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
