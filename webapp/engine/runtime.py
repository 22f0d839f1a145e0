"""The engine as the app uses it: the parsed process library, versions, load and store of instances."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from lxml import etree

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import select
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import InstanceStatus, Organisation, ProcessInstance, ProcessVersion, utcnow
from .errors import WorkflowFileError
from .limits import EngineLimits
from .loader import FormChecker, ProcessLibrary, load_library
from .registry import Registry
from .sandbox import ScriptEngine
from .serialization import spec_to_json, workflow_from_json, workflow_state_to_json
from .timers import next_timer_fire_time


class UnknownProcess(LookupError):
    """The process id is not defined by any loaded diagram (or its file has errors)."""


class WorkflowEngine:
    """One per app: parses `workflows/` once and turns instance rows into running workflows."""

    def __init__(self, workflows_dir: Path, registry: Registry | None = None, limits: EngineLimits | None = None,
                 form_checker: FormChecker | None = None) -> None:
        self.workflows_dir = Path(workflows_dir)
        self.registry = registry if registry is not None else Registry()
        self.limits = limits or EngineLimits()
        # Checks the forms user tasks name when the diagrams load (None: forms are not checked).
        self.form_checker = form_checker
        self.script_engine = ScriptEngine(self.registry, self.limits)
        self._library: ProcessLibrary | None = None
        self._lock = threading.Lock()
        self._version_ids: dict[str, int] = {}
        self._spec_json: dict[int, str] = {}
        # Set from outside (webapp/definitions): org -> the engine of the files in force there, or None.
        self.variants: Callable[[Organisation], WorkflowEngine | None] | None = None

    def for_organisation(self, org: Organisation) -> WorkflowEngine:
        """The engine whose diagrams apply to instances started in `org` (published variants)."""
        return (self.variants(org) if self.variants else None) or self

    @property
    def library(self) -> ProcessLibrary:
        """The parsed diagrams (parsed on first use)."""
        if self._library is None:
            with self._lock:
                if self._library is None:
                    self._library = self._load()
        return self._library

    def reload(self) -> list[WorkflowFileError]:
        """Parse the diagrams again (after an administrator changed them); return their errors."""
        with self._lock:
            self._library = self._load()
            self._version_ids.clear()
        return self._library.errors

    def _load(self) -> ProcessLibrary:
        """Parse and check the diagrams against the registered handlers, limits and forms."""
        return load_library(self.workflows_dir, self.registry.handler_names(), self.limits, self.form_checker)

    def forget_versions(self) -> None:
        """Drop cached version rows (tests empty the database between cases)."""
        self._version_ids.clear()
        self._spec_json.clear()

    def current_version(self, process_id: str) -> ProcessVersion:
        """The version row for the process as the files define it now, created on first use."""
        return db.session.get(ProcessVersion, self.current_version_id(process_id))

    def current_version_id(self, process_id: str) -> int:
        """The id of the current version's row: starting an instance needs no more (and no query)."""
        cached = self._version_ids.get(process_id)
        if cached is not None:
            return cached
        # A row this transaction inserted is cached only once it commits: a rolled-back id would
        # be a version that does not exist (PostgreSQL never hands the id out again).
        pending = db.session.info.setdefault(_PENDING_VERSIONS, {})
        if (id(self), process_id) in pending:
            return pending[(id(self), process_id)][2]
        if process_id not in self.library.process_ids():
            raise UnknownProcess(process_id)
        spec, subprocess_specs = self.library.spec(process_id)
        spec_json, content_hash = spec_to_json(spec, subprocess_specs)
        version = db.session.scalar(select(ProcessVersion).filter_by(content_hash=content_hash))
        if version is None:
            version, inserted = _insert_version(
                ProcessVersion(
                    process_id=process_id,
                    content_hash=content_hash,
                    name=self.library.process_name(process_id) or process_id,
                    source_file=self.library.source_file(process_id),
                    spec_json=spec_json,
                    diagram_xml=self._diagram_xml(process_id),
                )
            )
            if inserted:
                pending[(id(self), process_id)] = (self, process_id, version.id, spec_json)
                return version.id
        self._version_ids[process_id] = version.id
        # The row came with its spec: the first restore of an instance of it needs no query.
        self._spec_json.setdefault(version.id, version.spec_json)
        return version.id

    def _diagram_xml(self, process_id: str) -> str | None:
        """The BPMN file defining the process (layout included), as text."""
        tree = self.library.trees.get(self.library.source_file(process_id))
        return None if tree is None else etree.tostring(tree, encoding="unicode")

    def new_workflow(self, process_id: str) -> BpmnWorkflow:
        """A fresh workflow of the process's current version, ready for its first engine steps."""
        spec, subprocess_specs = self.library.spec(process_id)
        return BpmnWorkflow(spec, subprocess_specs, script_engine=self.script_engine)

    def restore(self, instance: ProcessInstance) -> BpmnWorkflow:
        """Deserialise an instance on the version it started with."""
        spec_json = self._spec_json.get(instance.version_id)
        if spec_json is None:
            spec_json = instance.version.spec_json
            self._spec_json[instance.version_id] = spec_json
        # The restored spec objects are shared per version (see serialization._cached_specs).
        return workflow_from_json(instance.state_json, spec_json, self.script_engine)

    def store(self, instance: ProcessInstance, workflow: BpmnWorkflow, now: datetime | None = None) -> None:
        """Write the workflow's state, status and next timer onto the instance row (the ORM's copy)."""
        for key, value in self.state_values(instance, workflow, now).items():
            setattr(instance, key, value)

    @staticmethod
    def state_values(instance: ProcessInstance, workflow: BpmnWorkflow, now: datetime | None = None) -> dict:
        """The instance row's columns that the workflow's state sets: state, next timer and,
        when it has just ended, its status and end time."""
        values = {"state_json": workflow_state_to_json(workflow), "next_timer_dt": next_timer_fire_time(workflow)}
        if workflow.is_completed() and instance.status is InstanceStatus.running:
            values["status"] = InstanceStatus.completed
            values["completed_dt"] = now or utcnow()
        return values


_PENDING_VERSIONS = "pending_process_versions"


@event.listens_for(Session, "after_commit")
def _versions_committed(session) -> None:
    """Version rows this transaction inserted exist now: the engines may cache their ids."""
    for engine, process_id, version_id, spec_json in session.info.pop(_PENDING_VERSIONS, {}).values():
        engine._version_ids[process_id] = version_id
        engine._spec_json.setdefault(version_id, spec_json)


@event.listens_for(Session, "after_soft_rollback")
def _versions_rolled_back(session, previous_transaction) -> None:
    """Rows of a rolled-back transaction are gone (a savepoint's rollback keeps the outer ones)."""
    if not previous_transaction.nested:
        session.info.pop(_PENDING_VERSIONS, None)


def _insert_version(version: ProcessVersion) -> tuple[ProcessVersion, bool]:
    """Insert a version row; if another request inserted the same hash first, use theirs.

    Returns the row and whether this transaction inserted it.
    """
    try:
        with db.session.begin_nested():
            db.session.add(version)
        return version, True
    except IntegrityError:
        return db.session.scalar(select(ProcessVersion).filter_by(content_hash=version.content_hash)), False
