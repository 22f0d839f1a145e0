"""Refusals that a controller turns into an HTTP status and a message in the user's language."""
from __future__ import annotations

# Key of `db.session.info`: ids of instances that stopped with an error in this transaction.
STOPPED_INSTANCES = "stopped_instances"


class ActionRefused(Exception):
    """The user may not do this now; `message` is already translated."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ActionRefused):
    """No such thing, or the user may not know it exists."""

    status_code = 404


class Forbidden(ActionRefused):
    """The user can see this but may not act on it."""

    status_code = 403


class Conflict(ActionRefused):
    """Someone else acted first (stale version, task already completed or claimed)."""

    status_code = 409


class InvalidInput(ActionRefused):
    """The submitted data failed validation; `errors` lists the fields."""

    status_code = 422

    def __init__(self, message: str, errors: list) -> None:
        super().__init__(message)
        self.errors = errors


class InstanceChanged(Conflict):
    """Someone else changed the same process instance meanwhile; the action may be retried."""


class ProcessStopped(ActionRefused):
    """The action was saved, but the process then stopped with an error (shown after the commit)."""

    status_code = 500
