"""What this process adds to the app (see `webapp.processes.Process`)."""
from __future__ import annotations

from flask import Blueprint

from ...labels import lookup
from .. import Process
from . import models  # noqa: F401  (tables)
from .labels import OBJECTION_STATUS
from .panels import PANELS

# No pages of its own; the blueprint serves its templates (the investigation panel).
bp = Blueprint("objection", __name__, template_folder="templates")

process = Process(
    process_id="objection",
    blueprint=bp,
    panels=PANELS,
    handler_module="handlers.objection",
    template_globals={"objection_status": lookup(OBJECTION_STATUS)},
    stage_order=11,
)
