"""Security headers on every response the app sends: pages, error pages, downloads and static files.

The Content-Security-Policy allows script and style only from this site's own files: templates
hold no inline <script>, no on* event handlers and no style attributes (tests/test_security_headers.py
scans the rendered pages), and the pages' behaviour lives in static/app.js. The editor pages
alone also allow inline style (below).
"""
from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",  # bpmn-js / dmn-js embed their icon fonts in their CSS
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

# The diagram and table editors (/admin/definitions/, system and county administrators): dmn-js
# renders its tables with style attributes and a <style> element, so inline *style* is allowed
# on those pages only. Script stays 'self' everywhere.
EDITOR_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
EDITOR_BLUEPRINT = "editor"

FIXED_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "Referrer-Policy": "same-origin",  # task and instance ids stay on this site
    "Cross-Origin-Opener-Policy": "same-origin",
}


def install_security_headers(app: Flask) -> None:
    """Add the headers to every response (after_request also runs for error handlers' responses)."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        if request.blueprint == EDITOR_BLUEPRINT:
            response.headers.setdefault("Content-Security-Policy", EDITOR_CONTENT_SECURITY_POLICY)
        for name, value in FIXED_HEADERS.items():
            response.headers.setdefault(name, value)
        hsts_seconds = app.config.get("HSTS_SECONDS", 0)
        if request.is_secure and hsts_seconds:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={int(hsts_seconds)}")
        # `is_anonymous` reads nothing from the user's row: after a view's commit, asking
        # `is_authenticated` (the row's is_active) would load the user again just for this header.
        if request.endpoint != "static" and not current_user.is_anonymous:
            # Pages and files of a logged-in person are not kept by the browser or a proxy:
            # school computers are shared, and Back after logging out must not show them.
            response.headers["Cache-Control"] = "no-store"
        return response
