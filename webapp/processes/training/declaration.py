"""What the training adds to the app (see `webapp.processes.Process`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...labels import lookup
from .. import NavEntry, Process
from . import models  # noqa: F401  (tables)
from .labels import COHORT_STATUS, MARKS, PRACTICE_STATUS, TRAINEE_STATUS, component_label, status_reason
from .operations import in_any_training, staff_counties
from .pages import bp
from .panels import PANELS


def _sees_training(user) -> bool:
    """The county office, the training centre, mentors and trainees."""
    return bool(staff_counties(user)) or in_any_training(user)


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
)
