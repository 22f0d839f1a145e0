"""Page sections a step can ask for above its form (property ``panel`` in the diagram).

A panel shows what a form alone cannot, such as the candidates of a ballot with their
declarations and evidence. Modules register a panel by name with a function that returns the
HTML for one task, given the process data the task sees.
"""
from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from ..models import HumanTask

PanelRenderer = Callable[[HumanTask, dict], Markup]
PANELS: dict[str, PanelRenderer] = {}


def panel(name: str) -> Callable[[PanelRenderer], PanelRenderer]:
    """Register the renderer of the panel called `name`."""

    def register(func: PanelRenderer) -> PanelRenderer:
        PANELS[name] = func
        return func

    return register


def render_panel(task: HumanTask, context: dict) -> Markup | None:
    """The panel's HTML, or None when the diagram names a panel nobody registered."""
    renderer = PANELS.get(task.panel or "")
    return renderer(task, context) if renderer else None
