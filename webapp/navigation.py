"""Values every page needs: inbox counts in the navigation bar, languages, roles."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user

from .i18n import is_english


def inject_navigation() -> dict:
    """Template context for the layout (counts come from the indexed task table)."""
    context = {"english": is_english(), "languages": current_app.config["LANGUAGES"]}
    if current_user.is_authenticated:
        from .notifications.queries import unread_count
        from .processes import navigation
        from .workflow.permissions import can_edit_calendar, is_sysadmin
        from .workflow.queries import inbox_counts

        context["nav_counts"] = inbox_counts(current_user)
        context["unread_notifications"] = unread_count(current_user)
        context["is_sysadmin"] = is_sysadmin(current_user)
        context["can_edit_calendar"] = can_edit_calendar(current_user)
        context["process_navigation"] = navigation(current_app, current_user)
    return context
