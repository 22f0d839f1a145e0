"""Login, logout and language choice."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..security.throttle import attempted_username, throttled_login
from ..transaction import committing
from .events import record_login

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only redirect to paths on this site after login."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("workflow.inbox")


@bp.route("/login", methods=["GET", "POST"])
@throttled_login
@committing
def login():
    """Show the login form; check the password; start the session (every attempt is audited)."""
    if current_user.is_authenticated:
        return redirect(url_for("workflow.inbox"))
    if request.method == "GET":
        return render_template("auth/login.html", error=None, username="")
    username = attempted_username()
    password = request.form.get("password") or ""
    user = db.session.scalar(select(User).filter_by(username=username))
    if user is not None and user.is_active and user.check_password(password):
        record_login(username, user, "succeeded")
        session.clear()
        login_user(user)
        session.permanent = True  # expires PERMANENT_SESSION_LIFETIME after the last request
        return redirect(_safe_next(request.args.get("next")))
    record_login(username, user, "failed")
    # 401 is what the per-account and per-address limits count (security/throttle.py).
    return render_template("auth/login.html", error=_("Wrong user name or password."), username=username), 401


@bp.post("/logout")
@login_required
def logout():
    """End the session."""
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/language")
@committing
def set_language():
    """Switch the interface language (saved on the user when logged in)."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
    else:
        flash(_("Unknown language."), "error")
    return redirect(_safe_next(request.form.get("next")))
