"""What the conferral adds to the app (see `webapp.processes.Process`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...titles import title_event_label, title_status_label
from .. import NavEntry, Process
from . import models  # noqa: F401  (tables)
from .operations import office_counties
from .pages import bp
from .panels import PANELS

process = Process(
    process_id="conferral",
    blueprint=bp,
    panels=PANELS,
    handler_module="handlers.conferral",
    navigation=(NavEntry("conferral.index", _l("Conferral"), lambda user: bool(office_counties(user)), "nav-conferral",
                         order=26),),
    template_globals={"title_status_label": title_status_label, "title_event_label": title_event_label},
)
