"""What the engine calls but does not own: service-task handlers, task panels, reminder timing,
which new steps are announced.

The engine never imports a process or the notification layer. `create_app` fills one
`Registry` per app from the process declarations (`webapp.processes`) and hands it to the
engine; diagrams are checked against it when they load.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup


@dataclass(frozen=True)
class Handler:
    """A service-task function a diagram may call by name (``spiffworkflow:serviceTaskOperator``)."""

    name: str
    func: Callable[..., Any]
    description: str


# (task row, process data the task sees) -> HTML shown above the task's form.
PanelRenderer = Callable[[Any, dict], Markup]
# (process id, step name, due date, now) -> when to send the first reminder, or None.
FirstReminder = Callable[[str, str, "datetime | None", datetime, "str | None"], "datetime | None"]


# (process id, step name) -> True if a new step of this kind is announced to whoever may act on it.
Announces = Callable[[str, str], bool]


def _no_announcement(_process_id: str, _step: str) -> bool:
    """Default when nobody registered an event policy: new steps are not announced."""
    return False


def _no_reminder(_process_id: str, _step: str, _due: datetime | None, _now: datetime,
                 _org_path: str | None = None) -> None:
    """Default when nobody registered a reminder policy: steps are not reminded."""
    return None


@dataclass
class Registry:
    """Names the engine resolves at run time, each registered once."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    panels: dict[str, PanelRenderer] = field(default_factory=dict)
    first_reminder: FirstReminder = _no_reminder
    announces: Announces = _no_announcement

    def add_handler(self, handler: Handler) -> None:
        """Register a service-task function; a name registered twice is a programming error."""
        if handler.name in self.handlers and self.handlers[handler.name].func is not handler.func:
            raise ValueError(f"handler {handler.name!r} registered twice")
        self.handlers[handler.name] = handler

    def add_panel(self, name: str, renderer: PanelRenderer) -> None:
        """Register the renderer of the task panel called `name` (property ``panel`` in a diagram)."""
        if name in self.panels and self.panels[name] is not renderer:
            raise ValueError(f"panel {name!r} registered twice")
        self.panels[name] = renderer

    def handler(self, name: str) -> Handler:
        """The handler called `name`, or KeyError."""
        return self.handlers[name]

    def handler_names(self) -> frozenset[str]:
        """Every registered handler name (the loader checks diagrams against these)."""
        return frozenset(self.handlers)
