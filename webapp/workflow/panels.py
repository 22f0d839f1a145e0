"""Page sections a step can ask for above its form (property ``panel`` in the diagram).

A panel shows what a form alone cannot, such as the candidates of a ballot with their
declarations and evidence. Processes declare their panels (`webapp.processes.Process.panels`);
`create_app` puts them in the engine's registry, where this module finds them.
"""
from __future__ import annotations

from flask import current_app
from markupsafe import Markup

from ..models import HumanTask


def render_panel(task: HumanTask, context: dict) -> Markup | None:
    """The panel's HTML, or None when the diagram names a panel nobody registered."""
    renderer = current_app.extensions["workflow_engine"].registry.panels.get(task.panel or "")
    return renderer(task, context) if renderer else None
