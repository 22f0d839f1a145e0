"""One's own account: change the password (forced after a temporary one), API tokens."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..transaction import committing
from . import users
from .blueprint import bp
from .models import ApiToken

# What someone with a temporary password may still open before choosing a new one.
OPEN_WITH_TEMPORARY_PASSWORD = {"people.account", "people.change_password", "auth.logout", "auth.set_language",
                                "static", "auth.login"}


def force_password_change():
    """before_request: a user with a temporary password goes to the password page first."""
    if not current_user.is_authenticated or not getattr(current_user, "must_change_password", False):
        return None
    if request.endpoint in OPEN_WITH_TEMPORARY_PASSWORD or (request.endpoint or "").startswith("api."):
        return None
    return redirect(url_for("people.account"))


def _page(status: int = 200, errors: dict | None = None):
    token_rows = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id)))
    return render_template("people/account.html", errors=errors or {}, tokens=token_rows), status


@bp.get("/account", endpoint="account")
@login_required
def account():
    """The password form and one's API tokens."""
    return _page()


@bp.post("/account/password", endpoint="change_password")
@login_required
@committing
def change_password():
    """Change one's own password (at least 8 characters, not a common one)."""
    errors = users.change_own_password(current_user, request.form.get("current") or "", request.form.get("new") or "",
                                       request.form.get("repeat") or "")
    if errors:
        return _page(422, errors)
    flash(_("Your password was changed."), "success")
    return redirect(url_for("workflow.inbox"))
