"""What this process adds to the app (see `webapp.processes.Process`)."""
from __future__ import annotations

from .. import Process

process = Process(process_id="review_opening", handler_module="handlers.review_opening", stage_order=19)
