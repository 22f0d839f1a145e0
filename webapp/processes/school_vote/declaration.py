"""What this process adds to the app (see `webapp.processes.Process`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...labels import lookup
from ...roles import Role
from .. import NavEntry, Process
from . import models  # noqa: F401  (tables)
from .labels import CANDIDATE_STATUS, NOTICE_CHANGES, ROUND_STATUS, VOTE_STAGES
from .outcomes import OUTCOMES
from .pages import bp
from .panels import PANELS
from .stages import teacher_stages

COUNTY_LIST_ROLES = {Role.county_office, Role.city_office, Role.province_office, Role.sysadmin}


def _roles(user) -> set[Role]:
    """The roles the user holds anywhere."""
    return {role for role, _org in user.role_scopes()}


process = Process(
    process_id="school_vote",
    blueprint=bp,
    panels=PANELS,
    handler_module="handlers.school_vote",
    navigation=(
        NavEntry("school_vote.index", _l("Vote and notice"), lambda user: True, "nav-vote", order=20),
        NavEntry("school_vote.county", _l("Schools' recommended lists"), lambda user: bool(_roles(user) & COUNTY_LIST_ROLES),
                 "nav-county-lists", order=21),
        NavEntry("school_vote.quotas", _l("School quotas"), lambda user: Role.county_office in _roles(user),
                 "nav-quotas", order=22),
    ),
    template_globals={
        "round_status": lookup(ROUND_STATUS),
        "candidate_status": lookup(CANDIDATE_STATUS),
        "vote_stage": lookup(VOTE_STAGES),
        "notice_change": lookup(NOTICE_CHANGES),
    },
    teacher_stage=teacher_stages,
    stage_order=10,
    outcomes=OUTCOMES,
)
