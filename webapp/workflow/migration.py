"""Moving chosen running instances to the version of their process now in force for them.

`preview` checks every running instance of a process in a scope (in batches) and tries the oldest
`MIGRATION_EXAMINE_LIMIT` of those on an older version on a copy, saying for each whether it can
move and, if not, why (webapp/engine/migration.py decides); it counts what it did not try, and the
page says so. `move` moves the chosen ones: all of them or, if any cannot move any more, none;
`move_all` moves every one that can, and only when every instance on an older version was tried.
Each moved instance gets the new version's diagram and forms, its inbox rows are brought up to
date, and its history records who moved it and why. Functions here only flush: the request commits (one transaction).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..definitions.form_sets import form_set_key
from ..engine.human_tasks import refresh_open_row
from ..engine.migration import trial
from ..engine.runtime import UnknownProcess, WorkflowEngine
from ..extensions import db
from ..models import HumanTask, InstanceStatus, Organisation, ProcessInstance, ProcessVersion, TaskState, User
from ..core.errors import Conflict, NotFound
from .advance import advance, audit

SCAN_BATCH = 1000  # running instances read per query when looking for those on an older version


def examine_limit() -> int:
    """How many instances on an older version one look tries on a copy (`MIGRATION_EXAMINE_LIMIT`)."""
    return max(1, int(current_app.config.get("MIGRATION_EXAMINE_LIMIT", 200)))


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
    query = _running_query(select(ProcessInstance), process_id, org)
    if ids is not None:
        query = query.where(ProcessInstance.id.in_(ids))
    return list(db.session.scalars(query.order_by(ProcessInstance.id)))


def _running_query(query, process_id: str, org: Organisation | None):
    query = query.where(ProcessInstance.process_id == process_id, ProcessInstance.status == InstanceStatus.running)
    if org is not None:
        query = query.where(ProcessInstance.org_path.startswith(org.path))
    return query


class _InForce:
    """The version and the form set in force per organisation, each worked out once per look."""

    def __init__(self, engine: WorkflowEngine, process_id: str) -> None:
        self.engine, self.process_id = engine, process_id
        self._by_org: dict[int, tuple[int | None, str]] = {}

    def of(self, org: Organisation) -> tuple[int | None, str]:
        """(version id in force or None if the process is not defined there, form set key in force)."""
        if org.id not in self._by_org:
            try:
                version_id = self.engine.for_organisation(org).current_version_id(self.process_id)
            except UnknownProcess:
                version_id = None
            self._by_org[org.id] = (version_id, form_set_key(org.path))
        return self._by_org[org.id]

    def is_current(self, org: Organisation, version_id: int, form_set: str | None) -> bool:
        """True if an instance with this version and form set runs what is in force for `org`."""
        return self.of(org) == (version_id, form_set)


def _examine(engine: WorkflowEngine, instance: ProcessInstance, in_force: _InForce | None = None) -> Candidate | None:
    """None if the instance already runs the version in force for it; else the trial's outcome."""
    in_force = in_force or _InForce(engine, instance.process_id)
    target_id, _form_set = in_force.of(instance.organisation)
    if target_id is None:
        return Candidate(instance, None, [_("the process is not defined for this organisation any more")])
    if in_force.is_current(instance.organisation, instance.version_id, instance.form_set):
        return None  # its diagram and its forms are those in force
    scoped = engine.for_organisation(instance.organisation)
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


@dataclass
class Preview:
    """One look at a process in a scope: the instances on an older version that were tried on a copy,
    and the counts the page states (so nothing is left out silently)."""

    candidates: list[Candidate]
    current: int    # running instances already on the version in force
    outdated: int   # running instances on an older version (all of them, tried or not)
    total: int      # running instances in the scope

    @property
    def complete(self) -> bool:
        """True if every instance on an older version was tried (so "move all" means all)."""
        return len(self.candidates) == self.outdated

    @property
    def movable(self) -> list[Candidate]:
        return [candidate for candidate in self.candidates if candidate.movable]


def preview(engine: WorkflowEngine, process_id: str, org: Organisation | None, limit: int | None = None) -> Preview:
    """Every running instance of the process in the scope is checked (in batches, by its version and
    form set: cheap); the `limit` oldest of those on an older version are tried on a copy."""
    limit = limit or examine_limit()
    in_force = _InForce(engine, process_id)
    organisations: dict[int, Organisation] = {}
    columns = select(ProcessInstance.id, ProcessInstance.org_id, ProcessInstance.version_id, ProcessInstance.form_set)
    outdated: list[int] = []
    current = total = 0
    after = 0
    while True:
        rows = db.session.execute(_running_query(columns, process_id, org).where(ProcessInstance.id > after)
                                  .order_by(ProcessInstance.id).limit(SCAN_BATCH)).all()
        if not rows:
            break
        after = rows[-1].id
        missing = {row.org_id for row in rows} - organisations.keys()
        if missing:
            organisations.update((o.id, o) for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(missing))))
        for row in rows:
            total += 1
            if in_force.is_current(organisations[row.org_id], row.version_id, row.form_set):
                current += 1
            else:
                outdated.append(row.id)
    candidates = [candidate for instance in _running(process_id, org, outdated[:limit])
                  if (candidate := _examine(engine, instance, in_force)) is not None]
    return Preview(candidates, current, len(outdated), total)


def move(engine: WorkflowEngine, user: User, process_id: str, org: Organisation | None, ids: list[int],
         comment: str) -> list[ProcessInstance]:
    """Move the chosen instances (all or none); NotFound for an id outside the scope.

    Raises `MigrationRefused` with the reasons if any of them cannot move.
    """
    if len(set(ids)) > examine_limit():
        raise MigrationRefused([(None, [_("At most %(n)d processes can be moved at once.", n=examine_limit())])])
    instances = _running(process_id, org, ids)
    if not ids or len(instances) != len(set(ids)):
        raise NotFound(_("No such process instance."))
    in_force = _InForce(engine, process_id)
    candidates = [(instance, _examine(engine, instance, in_force)) for instance in instances]
    refused = [(instance, c.reasons if c else [_("it already runs the version in force")])
               for instance, c in candidates if c is None or not c.movable]
    if refused:
        raise MigrationRefused(refused)
    for instance, candidate in candidates:
        _apply(engine, user, instance, candidate, comment)
    return instances


def move_all(engine: WorkflowEngine, user: User, process_id: str, org: Organisation | None,
             comment: str) -> list[ProcessInstance]:
    """Move every instance of the scope that can move (all or none); refused unless every instance on
    an older version was examined (a capped look cannot promise "all")."""
    looked = preview(engine, process_id, org)
    if not looked.complete:
        raise MigrationRefused([(None, [_(
            "Only %(examined)d of the %(outdated)d processes on an older version were examined, so they cannot all "
            "be moved at once: choose among those examined, move them, then look again.",
            examined=len(looked.candidates), outdated=looked.outdated)])])
    if not looked.movable:
        raise MigrationRefused([(None, [_("No process here can move.")])])
    for candidate in looked.movable:
        _apply(engine, user, candidate.instance, candidate, comment)
    return [candidate.instance for candidate in looked.movable]


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
    audit(instance, user, "migrated", comment=f"{comment} (#{old_version} → #{candidate.target.id})")
    try:
        advance(scoped, instance, workflow)
    except Conflict:
        raise Conflict(_("Someone acted on one of these processes at the same moment. Look again and retry."))


class MigrationRefused(Exception):
    """Some chosen instances cannot move: (instance, reasons) for each."""

    def __init__(self, refused: list[tuple[ProcessInstance, list[str]]]) -> None:
        super().__init__("migration refused")
        self.refused = refused
