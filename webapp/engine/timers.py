"""When an instance's next BPMN timer fires, so the scheduler can find due instances by index."""
from __future__ import annotations

from datetime import datetime, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow


# Note: the date timer's type does not end in "TimerEventDefinition", so match the names exactly.
TIMER_EVENT_TYPES = frozenset(
    {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition", "TimerEventDefinition"}
)


def next_timer_fire_time(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest fire time among the workflow's waiting timers, or None."""
    times = []
    for event in workflow.waiting_events():
        if event.event_type not in TIMER_EVENT_TYPES:
            continue
        fire_time = _parse_fire_time(event.value)
        if fire_time is not None:
            times.append(fire_time)
    return min(times, default=None)


def _parse_fire_time(value) -> datetime | None:
    """Read a pending timer's value: an absolute time for duration/date timers, text for cycles."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str):
        return None
    try:
        if value.upper().startswith("R"):
            # A cycle: fire at its start time if it has one; otherwise check again soon.
            start = value.upper().split("/")[1]
            return TimerEventDefinition.get_datetime(start)
        return TimerEventDefinition.get_datetime(value)
    except (ValueError, IndexError):
        return None
