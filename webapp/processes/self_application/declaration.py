"""What this process adds to the app (see `webapp.processes.Process`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...titles import education_label, professional_title_label, rating_label
from .. import NavEntry, Process
from . import models  # noqa: F401  (tables)
from .labels import application_status, subject_label
from .outcomes import OUTCOMES
from .panels import PANELS
from .pages import bp


def _is_teacher(user) -> bool:
    """Teachers (people with a teaching profile) see their applications."""
    return user.profile is not None


process = Process(
    process_id="self_application",
    blueprint=bp,
    handler_module="handlers.self_application",
    panels=PANELS,
    outcomes=OUTCOMES,
    navigation=(NavEntry("self_application.mine", _l("My applications"), _is_teacher, "nav-applications", order=10),),
    template_globals={"application_status": application_status, "subject_label": subject_label,
                      "professional_title_label": professional_title_label, "education_label": education_label,
                      "rating_label": rating_label},
    stage_order=0,
)
