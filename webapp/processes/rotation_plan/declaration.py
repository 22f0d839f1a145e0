"""What the rotation plan adds to the app (see `webapp.processes.Process`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...roles import Role
from .. import NavEntry, Process
from . import history_pages, pages, pairing_pages  # noqa: F401  (routes on the blueprint)
from . import models  # noqa: F401  (tables)
from .blueprint import bp
from .labels import (ACTIVITY_KINDS, DUE_RULES, PLAN_STATUS, POSITIONS, ROTATION_STATUS, explanation_text, form_label,
                     grade_label, label_of)
from .panels import PANELS

ROTATION_ROLES = {Role.county_office, Role.school_admin, Role.teacher}


def _roles(user) -> set[Role]:
    """The roles the user holds anywhere."""
    return {role for role, _org in user.role_scopes()}


process = Process(
    process_id="rotation_plan",
    blueprint=bp,
    panels=PANELS,
    handler_module="handlers.rotation_plan",
    navigation=(
        NavEntry("rotation_plan.index", _l("Rotation"), lambda user: bool(_roles(user) & ROTATION_ROLES),
                 "nav-rotation", order=40),
        NavEntry("rotation_plan.history_index", _l("Service history"), lambda user: Role.county_office in _roles(user),
                 "nav-service-history", order=41),
    ),
    template_globals={
        "rotation_form": form_label,
        "rotation_plan_status": label_of(PLAN_STATUS),
        "rotation_status": label_of(ROTATION_STATUS),
        "position_label": label_of(POSITIONS),
        "due_rule_label": label_of(DUE_RULES),
        "grade_label": grade_label,
        "match_explanation": explanation_text,
        "pairing_activity_kind": label_of(ACTIVITY_KINDS),
    },
    stage_order=30,
)
