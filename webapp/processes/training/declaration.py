"""What the training adds to the app (see `webapp.processes.Process`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...labels import lookup
from .. import NavEntry, Process
from . import models  # noqa: F401  (tables)
from .labels import COHORT_STATUS, MARKS, PRACTICE_STATUS, TRAINEE_STATUS, component_label, status_reason
from ...roles import Role
from .access import staff_counties
from .pages import bp
from .panels import PANELS
from .stages import teacher_stages


def _sees_training(user) -> bool:
    """The county office, the training centre, research staff (mentors) and teachers (trainees).

    No query: the navigation bar is drawn on every page.
    """
    return bool(staff_counties(user)) or any(role in (Role.teacher, Role.research_staff)
                                             for role, _org in user.role_scopes())


process = Process(
    process_id="training",
    blueprint=bp,
    panels=PANELS,
    handler_module="handlers.training",
    navigation=(NavEntry("training.index", _l("Training"), _sees_training, "nav-training", order=25),),
    template_globals={
        "cohort_status": lookup(COHORT_STATUS),
        "trainee_status": lookup(TRAINEE_STATUS),
        "attendance_mark": lookup(MARKS),
        "practice_status": lookup(PRACTICE_STATUS),
        "component_label": component_label,
        "trainee_reason": status_reason,
    },
    teacher_stage=teacher_stages,
    stage_order=30,
)
