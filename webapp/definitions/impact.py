"""Impact preview of an edited decision table: replay real inputs through the table in force and
through the edited one, and list the instances whose outcome would change.

The inputs are the data each instance had when it last ran a business-rule task calling the
table (the newest `LIMIT` instances in the scope that did). Nothing is written.
"""
from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import select

from ..engine.loader import load_library, parse_xml_bytes
from ..engine.snippets import BPMN, SPIFF
from ..extensions import db
from ..models import Organisation, ProcessInstance
from . import store
from .sets import write_files

LIMIT = 200


@dataclass
class Impact:
    """What the edited table would change."""

    decision_id: str
    considered: int = 0
    changed: list[tuple[ProcessInstance, list[str]]] = field(default_factory=list)
    summary: list[tuple[str, int]] = field(default_factory=list)
    failures: int = 0


def decision_impact(filename: str, data: bytes, org: Organisation | None) -> Impact | None:
    """Replay the scope's recent inputs through the old and the new table (None: not a table)."""
    if not filename.endswith(".dmn"):
        return None
    decision = next(parse_xml_bytes(data, filename).getroot().iter("{*}decision"), None)
    if decision is None or not decision.get("id"):
        return None
    entries = store.effective_set(store.chain_of_scope(org))
    old = {name: store.content_of(entry) for name, entry in entries.items() if name.startswith("workflows/")}
    new = {**old, filename: data}
    old_engine, callers = _engine(old, decision.get("id"))
    new_engine, _callers = _engine(new, decision.get("id"))
    impact = Impact(decision.get("id"))
    if old_engine is None or new_engine is None or not callers:
        return impact
    changes: Counter = Counter()
    for instance in _instances({pid for pid, _task in callers}, org):
        task = _last_run(instance, {task for _pid, task in callers})
        if task is None:
            continue
        impact.considered += 1
        try:
            before, after = _flat(old_engine.result(task)), _flat(new_engine.result(task))
        except Exception:  # inputs the new table cannot take: counted, shown as a number
            impact.failures += 1
            continue
        differences = [f"{key}: {before.get(key)!r} → {after.get(key)!r}"
                       for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]
        if differences:
            impact.changed.append((instance, differences))
            changes.update(differences)
    impact.summary = changes.most_common()
    return impact


def _engine(contents: dict[str, bytes], decision_id: str):
    """The DMN engine of the decision and the (process, task id) pairs that call it, in a file set."""
    with tempfile.TemporaryDirectory(prefix="impact-") as scratch:
        write_files(Path(scratch), contents)
        engine = current_app.extensions["workflow_engine"]
        library = load_library(Path(scratch) / "workflows", engine.registry.handler_names(), engine.limits)
    if decision_id not in library.parser.dmn_parsers or f"decision:{decision_id}" in library.broken:
        return None, []
    callers = []
    for name, tree in library.trees.items():
        for process in tree.getroot().iter(f"{BPMN}process"):
            for task in process.iter(f"{BPMN}businessRuleTask"):
                if task.findtext(f"{BPMN}extensionElements/{SPIFF}calledDecisionId") == decision_id:
                    callers.append((process.get("id"), task.get("id")))
    return library.parser.get_engine(decision_id, None), callers


def _instances(process_ids: set[str], org: Organisation | None) -> list[ProcessInstance]:
    query = select(ProcessInstance).where(ProcessInstance.process_id.in_(process_ids))
    if org is not None:
        query = query.where(ProcessInstance.org_path.startswith(org.path))
    return list(db.session.scalars(query.order_by(ProcessInstance.id.desc()).limit(LIMIT)))


def _last_run(instance: ProcessInstance, task_ids: set[str]):
    """The instance's last completed run of a task calling the table (its data holds the inputs)."""
    workflow = current_app.extensions["workflow_engine"].restore(instance)
    done = [t for t in workflow.get_tasks(state=SpiffState.COMPLETED)
            if getattr(t.task_spec, "bpmn_id", None) in task_ids]
    return done[-1] if done else None


def _flat(value, prefix: str = "") -> dict:
    """{"rules": {"notice_days": 5}} → {"rules.notice_days": 5}."""
    if not isinstance(value, dict):
        return {prefix: value}
    flat = {}
    for key, item in value.items():
        flat.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


__all__ = ["Impact", "decision_impact"]
