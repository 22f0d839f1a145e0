"""What this process adds to the app (see `webapp.processes.Process`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...labels import lookup
from ...models import TitleHolding, TitleStatus
from ...roles import Role
from ...scheduler.runner import JobSpec
from .. import NavEntry, Process
from . import models  # noqa: F401  (tables)
from .labels import APPEAL_OUTCOMES, OUTCOMES, PERIODS, REVIEW_STATUS
from .pages import bp
from .panels import PANELS
from .scheduled_opening import open_due_reviews
from .term import term_job


def _holds_title(user) -> bool:
    """Holders of a title in force keep a duty log (only teachers hold titles: others pay no query)."""
    if not _is_teacher(user):
        return False
    return db.session.scalar(select(TitleHolding.id).where(
        TitleHolding.user_id == user.id, TitleHolding.status == TitleStatus.active).limit(1)) is not None


def _is_teacher(user) -> bool:
    """Teachers read their own career record."""
    return any(role is Role.teacher for role, _org in user.role_scopes())


def _runs_annual_reviews(user) -> bool:
    """County offices (the leading group decides appeals from its inbox)."""
    return any(role is Role.county_office for role, _org in user.role_scopes())


process = Process(
    process_id="annual_review",
    blueprint=bp,
    panels=PANELS,
    handler_module="handlers.annual_review",
    navigation=(
        NavEntry("annual_review.duty_log", _l("Duty log"), _holds_title, "nav-duty-log", order=40),
        NavEntry("annual_review.index", _l("Annual review"), _runs_annual_reviews, "nav-annual-review", order=41),
        NavEntry("annual_review.my_career", _l("Career record"), _is_teacher, "nav-career", order=42),
    ),
    template_globals={
        "annual_status": lookup(REVIEW_STATUS),
        "annual_outcome": lookup(OUTCOMES),
        "annual_appeal_outcome": lookup(APPEAL_OUTCOMES),
        "annual_period": lookup(PERIODS),
    },
    stage_order=40,
    jobs=(JobSpec("title_terms", _l("Remind holders before their titles end; lapse titles past their end"),
                  "SCHEDULER_REMINDER_SECONDS", term_job),
          JobSpec("annual_review_opening", _l("Open each county's annual review on the day its local rule sets"),
                  "SCHEDULER_REMINDER_SECONDS", open_due_reviews)),
)
