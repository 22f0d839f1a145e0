"""Error pages: refusals in the user's language, as HTML or JSON by the Accept header."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from .extensions import db
from .core.errors import ActionRefused, InvalidInput

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    """True if the client prefers JSON to HTML."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(status: int, message: str, errors: list | None = None):
    """Render an error as JSON or as the error page."""
    if _wants_json():
        body = {"error": message}
        if errors:
            body["fields"] = [{"field": e.name, "message": e.message} for e in errors]
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Install handlers for refusals, HTTP errors and unexpected failures."""

    @app.errorhandler(ActionRefused)
    def on_refused(error: ActionRefused):
        db.session.rollback()
        return _respond(error.status_code, error.message, getattr(error, "errors", None) if isinstance(error, InvalidInput) else None)

    @app.errorhandler(HTTPException)
    def on_http(error: HTTPException):
        messages = {
            400: _("The request could not be understood."),
            403: _("You may not do this."),
            404: _("This page does not exist, or you may not see it."),
            405: _("This action is not allowed here."),
            413: _("The upload is too large."),
        }
        return _respond(error.code or 500, messages.get(error.code, error.description or ""))

    @app.errorhandler(Exception)
    def on_unexpected(error: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, _("Something went wrong on our side. The error has been logged."))
