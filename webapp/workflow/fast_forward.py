"""Demo and test aid: let an instance's waiting timers fall due now, as if the clock had moved on.

SpiffWorkflow compares timers with the real clock, so a demo that wants to see a five-working-day
notice end (or a test of a deadline) moves the stored fire times instead. Never used by the app
itself; `flask fast-forward-timers` exposes it for demonstrations.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from ..extensions import db
from ..models import ProcessInstance, utcnow


def make_timers_due(instance: ProcessInstance, now: datetime | None = None) -> int:
    """Set every waiting timer of the instance to a minute ago; return how many were moved."""
    past = (now or utcnow()) - timedelta(minutes=1)
    state = json.loads(instance.state_json)
    moved = 0
    for task in state.get("tasks", {}).values():
        internal = task.get("internal_data") or {}
        if internal.get("event_value"):
            internal["event_value"] = past.isoformat()
            moved += 1
    instance.state_json = json.dumps(state)
    instance.next_timer_dt = past if moved else instance.next_timer_dt
    db.session.flush()
    return moved
