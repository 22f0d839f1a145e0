"""The event policy: which process events are notified, in a JSON file administrators edit.

`workflows/events.json` lies beside the reminder policy and is checked the same way: unknown
events or keys, wrong types and duplicate keys are reported with the file and line, and the last
valid version stays in force. An event that the file does not mention is on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..models import NotificationKind
from ..models.notification import REMINDER_KINDS
from .policy import STEP_KEY, PolicyFileError, line_of, line_of_repeat

EVENT_KINDS = tuple(kind for kind in NotificationKind if kind not in REMINDER_KINDS)
MAX_EXCEPTED_STEPS = 2000


@dataclass(frozen=True)
class EventPolicy:
    """Events switched off, and the steps the digest of new steps leaves out."""

    disabled: frozenset[NotificationKind] = frozenset()
    unannounced_steps: frozenset[str] = field(default_factory=frozenset)

    def enabled(self, kind: NotificationKind) -> bool:
        """True if the event is notified."""
        return kind not in self.disabled

    def announces(self, process_id: str, step: str) -> bool:
        """True if a new step of this kind goes into the digest of new steps."""
        return self.enabled(NotificationKind.new_tasks) and f"{process_id}/{step}" not in self.unannounced_steps


def parse_events(text: str, filename: str) -> tuple[EventPolicy | None, list[PolicyFileError]]:
    """Check and read the event policy; return it (None if there were errors) and the errors."""
    errors: list[PolicyFileError] = []

    def pairs(items: list) -> dict:
        seen: dict = {}
        for key, value in items:
            if key in seen:
                errors.append(PolicyFileError(filename, line_of_repeat(text, key), f"key {key!r} appears twice in the same object"))
            seen[key] = value
        return seen

    def fail(path: list[str], message: str) -> None:
        errors.append(PolicyFileError(filename, line_of(text, path), message))

    try:
        document = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        return None, [PolicyFileError(filename, error.lineno, f"not valid JSON: {error.msg} (column {error.colno})")]
    except RecursionError:
        return None, [PolicyFileError(filename, None, "nested too deeply")]
    if errors:
        return None, errors
    policy = _read(document, fail)
    return (policy if not errors else None), errors


def _read(document, fail) -> EventPolicy | None:
    """The policy from a parsed document, reporting each problem through `fail(path, message)`."""
    if not isinstance(document, dict):
        fail([], "the file must contain one JSON object")
        return None
    for key in document:
        if key not in ("events", "comment"):
            fail([key], f"unknown key {key!r} (expected one of: comment, events)")
    events = document.get("events", {})
    if not isinstance(events, dict):
        fail(["events"], '"events" must be an object of event name: {"enabled": true or false}')
        return None
    known = {kind.value: kind for kind in EVENT_KINDS}
    disabled: set[NotificationKind] = set()
    unannounced: set[str] = set()
    for name, settings in events.items():
        if name == "comment":
            continue
        if name not in known:
            fail(["events", name], f"unknown event {name!r} (events: {', '.join(known)})")
            continue
        if not isinstance(settings, dict):
            fail(["events", name], f"{name} must be an object such as {{\"enabled\": true}}")
            continue
        allowed = {"enabled", "comment"} | ({"except_steps"} if name == "new_tasks" else set())
        for key in settings:
            if key not in allowed:
                fail(["events", name, key], f"unknown key {key!r} (expected one of: {', '.join(sorted(allowed))})")
        enabled = settings.get("enabled", True)
        if not isinstance(enabled, bool):
            fail(["events", name, "enabled"], "enabled must be true or false")
        elif not enabled:
            disabled.add(known[name])
        if "except_steps" in settings:
            unannounced |= _steps(settings["except_steps"], ["events", name, "except_steps"], fail)
    return EventPolicy(disabled=frozenset(disabled), unannounced_steps=frozenset(unannounced))


def _steps(value, path: list[str], fail) -> set[str]:
    """A list of "process_id/task_name" strings."""
    if not isinstance(value, list) or len(value) > MAX_EXCEPTED_STEPS:
        fail(path, f"except_steps must be a list of at most {MAX_EXCEPTED_STEPS} \"process_id/task_name\" strings")
        return set()
    steps = set()
    for item in value:
        if not isinstance(item, str) or not STEP_KEY.match(item):
            fail(path, f"step {item!r} must be written as process_id/task_name")
            continue
        steps.add(item)
    return steps
