"""What this process adds to the app (see `webapp.processes.Process`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...labels import lookup
from ...roles import Role
from .. import NavEntry, Process
from . import models  # noqa: F401  (tables)
from .labels import CANDIDATE_STATUS, CRITERIA, EVENTS, OPINIONS, REVIEW_STATUS
from .models import ReviewCandidateStatus
from .operations import OFFICE_ROLE
from .pages import bp
from .panels import PANELS
from .stages import register_candidacies, teacher_stages


def _runs_reviews(user) -> bool:
    """Offices (at their level) and leading groups see the review entry."""
    return any(OFFICE_ROLE.get(org.kind) is role or role is Role.county_leader for role, org in user.role_scopes())


process = Process(
    process_id="county_review",
    blueprint=bp,
    panels=PANELS,
    handler_module="handlers.county_review",
    navigation=(NavEntry("county_review.index", _l("Competitive review"), _runs_reviews, "nav-review", order=23),),
    template_globals={
        "review_status": lookup(REVIEW_STATUS),
        "review_candidate_status": lookup(CANDIDATE_STATUS),
        "review_opinion": lookup(OPINIONS),
        "review_criterion": lookup(CRITERIA),
        "review_event": lookup(EVENTS),
        "review_statuses": ReviewCandidateStatus,
    },
    teacher_stage=teacher_stages,
    teacher_candidacies=register_candidacies,
    stage_order=20,
)
