"""Translated names of statuses and history events, available in every template."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .applications.vocabulary import APPLICATION_STATUS, subject_label, title_label

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
    "error": _l("Error"),
}


ROUND_STATUS = {
    "voting": _l("Voting"),
    "no_quorum": _l("Closed without quorum"),
    "tie": _l("Tie waiting for a decision"),
    "notice": _l("On public notice"),
    "reporting": _l("Notice ended, to be reported"),
    "reported": _l("Reported to the county"),
    "cancelled": _l("Cancelled"),
}

CANDIDATE_STATUS = {
    "candidate": _l("Candidate"),
    "recommended": _l("Recommended"),
    "reserve": _l("Passed, below the quota line"),
    "not_passed": _l("Did not pass"),
    "removed": _l("Removed after an objection"),
    "withdrawn": _l("Withdrawn"),
}

# Where a teacher's application stands in the school vote (see vote.operations.stage).
VOTE_STAGES = {
    "in_vote": _l("In the school vote"),
    "on_notice": _l("Recommended, on public notice"),
    "reported": _l("Recommended, reported to the county"),
    "not_recommended": _l("Not recommended"),
    "removed": _l("Removed after an objection"),
    "withdrawn": _l("Withdrawn from the vote"),
    "round_cancelled": _l("Vote cancelled; waiting for a new vote"),
}

NOTICE_CHANGES = {
    "removed": _l("removed from the list after an objection was upheld"),
    "withdrawn": _l("withdrew"),
    "promoted": _l("moved up into the list"),
}

OBJECTION_STATUS = {
    "open": _l("Under investigation"),
    "upheld": _l("Upheld"),
    "dismissed": _l("Dismissed"),
}


def _lookup(table: dict):
    """A label function for one table."""
    return lambda value: str(table.get(value, value))


def status_label(value: str) -> str:
    """An instance status in the page's language."""
    return str(INSTANCE_STATUS.get(value, value))


def event_label(value: str) -> str:
    """A history event in the page's language."""
    return str(EVENTS.get(value, value))


def application_status(value: str) -> str:
    """An application status in the page's language."""
    return str(APPLICATION_STATUS.get(value, value))


def register_template_helpers(app: Flask) -> None:
    """Make the label functions available to every template."""
    app.jinja_env.globals.update(
        status_label=status_label,
        event_label=event_label,
        application_status=application_status,
        title_label=title_label,
        subject_label=subject_label,
        round_status=_lookup(ROUND_STATUS),
        candidate_status=_lookup(CANDIDATE_STATUS),
        vote_stage=_lookup(VOTE_STAGES),
        notice_change=_lookup(NOTICE_CHANGES),
        objection_status=_lookup(OBJECTION_STATUS),
    )
