"""The instance's diagram: which steps are done, open and waiting; where time goes in a process."""
from __future__ import annotations

import statistics
from datetime import timedelta

from flask import abort, current_app, jsonify
from flask_login import current_user, login_required
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import or_, select

from ..extensions import db
from ..models import HumanTask, ProcessInstance, TaskState
from ..roles import OVERSEEING_ROLES
from . import operations
from .blueprint import bp

MAX_TIMED_STEPS = 20_000  # rows read for "where time goes" (newest first)


@bp.get("/instances/<int:instance_id>/diagram.json")
@login_required
def instance_diagram(instance_id: int):
    """The BPMN of the instance's own version and the state of each of its steps."""
    instance = operations.get_visible_instance(current_user, instance_id)
    engine = current_app.extensions["workflow_engine"]
    xml = instance.version.diagram_xml or _current_file(engine, instance.version.source_file)
    if xml is None:
        abort(404)
    states = {"completed": set(), "current": set(), "waiting": set()}
    for task in engine.restore(instance).get_tasks():
        element_id = getattr(task.task_spec, "bpmn_id", None)
        if not element_id:
            continue
        if task.state == SpiffState.COMPLETED:
            states["completed"].add(element_id)
        elif task.state in (SpiffState.READY, SpiffState.STARTED):
            states["current"].add(element_id)
        elif task.state == SpiffState.WAITING:
            states["waiting"].add(element_id)
    states["completed"] -= states["current"] | states["waiting"]  # a loop's step done once, open again
    return jsonify(xml=xml, process_id=instance.process_id, same_version=instance.version.diagram_xml is not None,
                   **{key: sorted(value) for key, value in states.items()})


def _current_file(engine, source_file: str) -> str | None:
    """Versions stored before diagrams were kept: the file as it is now (the page says so)."""
    from lxml import etree

    tree = engine.library.trees.get(source_file)
    return None if tree is None else etree.tostring(tree, encoding="unicode")


@bp.get("/processes/<process_id>/step-times.json")
@login_required
def step_times(process_id: str):
    """Median and 90th-percentile hours each step stayed open, over the instances in the user's scope."""
    paths = [org.path for role, org in current_user.role_scopes() if role in OVERSEEING_ROLES]
    if not paths:
        abort(404)
    rows = db.session.execute(
        select(HumanTask.task_name, HumanTask.created_dt, HumanTask.completed_dt)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.process_id == process_id, HumanTask.state == TaskState.completed,
               or_(*[ProcessInstance.org_path.startswith(path) for path in paths]))
        .order_by(HumanTask.id.desc()).limit(MAX_TIMED_STEPS))
    durations: dict[str, list[float]] = {}
    for name, created, completed in rows:
        if created and completed:
            durations.setdefault(name, []).append(max(completed - created, timedelta(0)).total_seconds() / 3600)
    return jsonify(steps={name: {"count": len(values), "median_hours": round(statistics.median(values), 1),
                                 "p90_hours": round(_percentile(values, 0.9), 1)}
                          for name, values in durations.items()})


def _percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(share * len(ordered) + 0.5)) - 1))]
