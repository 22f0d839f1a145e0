"""Moving chosen running instances to the version of their process now in force for them.

`preview` lists the running instances of a process in a scope that run an older version and says
for each whether it can move and, if not, why (webapp/engine/migration.py decides). `move` moves
the chosen ones: all of them or, if any cannot move any more, none. Each moved instance gets the
new version's diagram and forms, its inbox rows are brought up to date, and its history records
who moved it and why. Functions here only flush: the request commits (one transaction).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from ..definitions.form_sets import form_set_key
from ..engine.human_tasks import refresh_open_row
from ..engine.migration import trial
from ..engine.runtime import UnknownProcess, WorkflowEngine
from ..extensions import db
from ..models import HumanTask, InstanceStatus, Organisation, ProcessInstance, ProcessVersion, TaskState, User
from ..core.errors import Conflict, NotFound
from .operations import _advance, _audit

LIMIT = 200  # instances examined per page (oldest first)


@dataclass
class Candidate:
    """A running instance on an older version (of its diagram or its forms), and what stands in the way of moving it."""

    instance: ProcessInstance
    target: ProcessVersion | None
    reasons: list[str] = field(default_factory=list)
    workflow: object = None  # the moved workflow of a successful trial

    @property
    def movable(self) -> bool:
        """True if the instance can move to the version in force for it."""
        return self.target is not None and not self.reasons


def _running(process_id: str, org: Organisation | None, ids: list[int] | None = None) -> list[ProcessInstance]:
    query = select(ProcessInstance).where(ProcessInstance.process_id == process_id,
                                          ProcessInstance.status == InstanceStatus.running)
    if org is not None:
        query = query.where(ProcessInstance.org_path.startswith(org.path))
    if ids is not None:
        query = query.where(ProcessInstance.id.in_(ids))
    return list(db.session.scalars(query.order_by(ProcessInstance.id).limit(LIMIT)))


def _examine(engine: WorkflowEngine, instance: ProcessInstance) -> Candidate | None:
    """None if the instance already runs the version in force for it; else the trial's outcome."""
    scoped = engine.for_organisation(instance.organisation)
    try:
        target_id = scoped.current_version_id(instance.process_id)
    except UnknownProcess:
        return Candidate(instance, None, [_("the process is not defined for this organisation any more")])
    if target_id == instance.version_id and instance.form_set == form_set_key(instance.org_path):
        return None  # its diagram and its forms are those in force
    target = db.session.get(ProcessVersion, target_id)
    spec, subprocess_specs = scoped.library.spec(instance.process_id)
    check, workflow = trial(instance.state_json, instance.version.spec_json, target.spec_json, spec,
                            subprocess_specs, scoped.script_engine)
    return Candidate(instance, target, [_reason(code, detail) for code, detail in check.reasons], workflow)


def _reason(code: str, detail: str) -> str:
    """A reason of the engine's check in the user's language."""
    words = {
        "completed_missing": _("the completed step %(step)s is not in the new version", step=detail),
        "current_missing": _("the current step %(step)s is not in the new version", step=detail),
        "call_missing": _("the called process %(step)s is not in the new version", step=detail),
        "left_over": _("the step %(step)s would keep its old definition", step=detail),
        "unreadable": _("the engine cannot read the moved process back (%(error)s)", error=detail),
    }
    return words.get(code, f"{code}: {detail}")


def preview(engine: WorkflowEngine, process_id: str, org: Organisation | None) -> tuple[list[Candidate], int]:
    """The running instances of the process in the scope on an older version, and how many are current."""
    candidates, current = [], 0
    for instance in _running(process_id, org):
        candidate = _examine(engine, instance)
        if candidate is None:
            current += 1
        else:
            candidates.append(candidate)
    return candidates, current


def move(engine: WorkflowEngine, user: User, process_id: str, org: Organisation | None, ids: list[int],
         comment: str) -> list[ProcessInstance]:
    """Move the chosen instances (all or none); NotFound for an id outside the scope.

    Raises `MigrationRefused` with the reasons if any of them cannot move.
    """
    instances = _running(process_id, org, ids)
    if not ids or len(instances) != len(set(ids)):
        raise NotFound(_("No such process instance."))
    candidates = [(instance, _examine(engine, instance)) for instance in instances]
    refused = [(instance, c.reasons if c else [_("it already runs the version in force")])
               for instance, c in candidates if c is None or not c.movable]
    if refused:
        raise MigrationRefused(refused)
    for instance, candidate in candidates:
        _apply(engine, user, instance, candidate, comment)
    return instances


def _apply(engine: WorkflowEngine, user: User, instance: ProcessInstance, candidate: Candidate, comment: str) -> None:
    """Store the moved workflow on the instance and bring its inbox rows up to date."""
    scoped = engine.for_organisation(instance.organisation)
    workflow = candidate.workflow
    workflow.script_engine = scoped.script_engine
    old_version = instance.version_id
    instance.version_id = candidate.target.id
    instance.version = candidate.target
    instance.form_set = form_set_key(instance.org_path)
    ready = {str(task.id): task for task in workflow.get_tasks(manual=True)}
    for row in db.session.scalars(select(HumanTask).filter_by(instance_id=instance.id, state=TaskState.open)):
        if row.bpmn_task_id in ready:
            refresh_open_row(row, ready[row.bpmn_task_id])
    _audit(instance, user, "migrated", comment=f"{comment} (#{old_version} → #{candidate.target.id})")
    try:
        _advance(scoped, instance, workflow)
    except Conflict:
        raise Conflict(_("Someone acted on one of these processes at the same moment. Look again and retry."))


class MigrationRefused(Exception):
    """Some chosen instances cannot move: (instance, reasons) for each."""

    def __init__(self, refused: list[tuple[ProcessInstance, list[str]]]) -> None:
        super().__init__("migration refused")
        self.refused = refused
