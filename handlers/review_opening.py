"""Handlers for the review opening itself at the reporting deadline (workflows/review_opening.bpmn)."""
from __future__ import annotations

from webapp.extensions import db
from webapp.processes.county_review import opening as openings
from webapp.processes.county_review.models import ReviewOpening

from . import handler


def _opening(opening_id) -> ReviewOpening:
    row = db.session.get(ReviewOpening, int(opening_id))
    if row is None:
        raise LookupError(f"review opening {opening_id} does not exist")
    return row


@handler("remind_unreported_schools", "Remind, once, each school that has not reported its list for the call.")
def remind_unreported_schools(opening_id) -> int:
    """How many reminders were written."""
    return openings.remind_unreported(_opening(opening_id))


@handler("open_review_at_deadline", "Open the call's review with the reported lists (unless open already or empty).")
def open_review_at_deadline(opening_id) -> str:
    """``opened``, ``already`` or ``empty``."""
    from flask import current_app  # a module-level proxy would confuse the handler scan

    return openings.open_at_deadline(current_app.extensions["workflow_engine"], _opening(opening_id))
