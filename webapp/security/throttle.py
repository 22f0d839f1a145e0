"""Login throttling with Flask-Limiter: failed logins count per account and per network address.

Only failed attempts count (`deduct_when`): a school whose teachers share one address is not
locked out by people who log in correctly. Once a limit is reached every attempt is refused,
the right password included, until its window ends; the person is told how long to wait, in their
language, and the refusal is written to the login audit trail. The counters live in the storage
named by RATELIMIT_STORAGE_URI: by default the app's own database (`appdb://`, shared by all
gunicorn workers), or e.g. `redis://host:6379` (README, Configuration).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from flask import Flask, current_app, make_response, render_template, request
from flask_babel import format_time, format_timedelta
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from sqlalchemy import select

from . import rate_storage  # noqa: F401  (registers the appdb:// storage with limits)
from ..extensions import db, limiter

ACCOUNT_LIMIT_SETTING = "LOGIN_LIMIT_PER_ACCOUNT"
ADDRESS_LIMIT_SETTING = "LOGIN_LIMIT_PER_ADDRESS"


def attempted_username() -> str:
    """The user name of a login form post, as the view reads it."""
    return (request.form.get("username") or "").strip()[:64]


def account_key() -> str:
    """Counter key per account; case-folded so `T001` and `t001` share one (empty: not limited)."""
    name = attempted_username().casefold()
    return f"account:{name}" if name else ""


def address_key() -> str:
    """Counter key per client address (the real client behind TRUSTED_PROXY_COUNT proxies)."""
    return f"address:{get_remote_address()}"


def login_failed(response) -> bool:
    """Only a refused password counts against the limits."""
    return response.status_code == 401


def throttled_login(view):
    """Apply both login limits to the view (POST only); the limits are read from the settings."""
    per_account = limiter.limit(lambda: current_app.config[ACCOUNT_LIMIT_SETTING], key_func=account_key,
                                methods=["POST"], deduct_when=login_failed)
    per_address = limiter.limit(lambda: current_app.config[ADDRESS_LIMIT_SETTING], key_func=address_key,
                                methods=["POST"], deduct_when=login_failed)
    return per_account(per_address(view))


def install_throttling(app: Flask) -> None:
    """Bind the limiter and answer a breached limit with the login page and the time to wait."""
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, on_throttled)


def on_throttled(error: RateLimitExceeded):
    """A login refused by a limit: audit it, and say why and until when."""
    from ..auth.events import record_login
    from ..models import User

    db.session.rollback()
    username = attempted_username()
    user = db.session.scalar(select(User).filter_by(username=username)) if username else None
    record_login(username, user, "throttled")
    db.session.commit()
    current_app.logger.warning("login throttled for %r from %s (%s)", username, request.remote_addr,
                               "account" if error.limit.key_func is account_key else "address")
    breached = limiter.current_limit
    reset_at = breached.reset_at if breached is not None else time.time() + 60
    wait_seconds = max(1, int(reset_at - time.time()))
    message = throttle_message(error.limit.key_func is account_key, wait_seconds)
    response = make_response(render_template("auth/login.html", error=message, username=username), 429)
    response.headers["Retry-After"] = str(wait_seconds)
    return response


def throttle_message(by_account: bool, wait_seconds: int) -> str:
    """The refusal in the user's language, with how long to wait and the time logging in reopens."""
    wait = format_timedelta(timedelta(seconds=wait_seconds), threshold=1.0)
    until = format_time(datetime.now(timezone.utc) + timedelta(seconds=wait_seconds), "HH:mm")
    if by_account:
        return _("Too many failed logins for this user name. To protect the account, logging in is paused: "
                 "try again in %(wait)s (after %(time)s).", wait=wait, time=until)
    return _("Too many failed logins from your network address. Logging in from it is paused: "
             "try again in %(wait)s (after %(time)s).", wait=wait, time=until)
