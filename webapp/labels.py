"""Translated names of instance statuses and history events, available in every template.

Each process declares the words of its own records in its package (`labels.py`).
"""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from .i18n import format_deadline, format_moment, is_english, join_list, parenthesised
from .titles import title_label

INSTANCE_STATUS = {
    "running": _l("In progress"),
    "completed": _l("Completed"),
    "cancelled": _l("Withdrawn or cancelled"),
    "error": _l("Stopped by an error; an administrator has been told"),
}

EVENTS = {
    "started": _l("Started"),
    "completed": _l("Completed"),
    "claimed": _l("Claimed"),
    "unclaimed": _l("Released"),
    "reassigned": _l("Reassigned by an overseer"),
    "withdrawn": _l("Withdrawn"),
    "cancelled": _l("Cancelled"),
    "timer": _l("Deadline reached"),
    "withdrawn_from_vote": _l("Withdrawn from the vote"),
    "rotation_quotas": _l("Quotas set (places to send / receive)"),
    "rotation_nominated": _l("Nominated for rotation"),
    "rotation_exempted": _l("Exempted from rotation this year"),
    "rotation_taken_back": _l("Nomination or exemption taken back"),
    "rotation_volunteered": _l("Volunteered for rotation"),
    "rotation_matched": _l("Matching run (placed / nominees)"),
    "rotation_moved": _l("Placement moved by hand"),
    "rotation_personnel": _l("Personnel relationship changed"),
    "error": _l("Error"),
    "migrated": _l("Moved to a newer version of the process"),
}


def lookup(table: dict):
    """A label function for one table of translated words (unknown keys show as they are)."""
    return lambda value: str(table.get(value, value))


def status_label(value: str) -> str:
    """An instance status in the page's language."""
    return str(INSTANCE_STATUS.get(value, value))


def event_label(value: str) -> str:
    """A history event in the page's language."""
    return str(EVENTS.get(value, value))


def process_name(instance) -> str:
    """The instance's process in the page's language (the diagram's ``nameEn`` for English)."""
    if is_english():
        try:
            name_en = current_app.extensions["workflow_engine"].library.process_name_en(instance.process_id)
        except KeyError:  # the diagram is gone or broken: the name stored with the version
            name_en = None
        if name_en:
            return name_en
    return instance.version.name


def plain_number(value) -> str:
    """A number without a needless '.0' (2.0 → '2', 0.05 → '0.05')."""
    if value is None:
        return ""
    number = float(value)
    return str(int(number)) if number == int(number) else f"{number:.4f}".rstrip("0").rstrip(".")


def list_separator() -> str:
    """Between the items of a list: '、' / ', '."""
    return ", " if is_english() else "、"


def item_separator() -> str:
    """Between the parts of one item: '；' / '; '."""
    return "; " if is_english() else "；"


def register_template_helpers(app: Flask) -> None:
    """Make the label and formatting functions available to every template."""
    app.jinja_env.globals.update(
        status_label=status_label,
        event_label=event_label,
        title_label=title_label,
        process_name=process_name,
        list_separator=list_separator,
        item_separator=item_separator,
        parenthesised=parenthesised,
    )
    app.jinja_env.filters.update(deadline=format_deadline, moment=format_moment, join_list=join_list,
                               plain_number=plain_number)
