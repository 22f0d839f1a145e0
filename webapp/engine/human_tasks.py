"""Mirror the workflow's READY user tasks into the human-task table that inboxes read."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import insert, select, update

from ..calendar import end_of_working_days
from ..extensions import db
from ..models import (
    HumanTask, Organisation, ProcessInstance, RoleAssignment, TaskState, utcnow,
)
from ..roles import Role
from .errors import WorkflowConfigurationError
from .instructions import render_instructions


def ready_user_task_ids(workflow: BpmnWorkflow) -> set[str]:
    """The BPMN ids of the workflow's READY user tasks: those an inbox row is open for."""
    return {str(task.id) for task in workflow.get_tasks(state=SpiffState.READY, manual=True)}


def sync_human_tasks(
    instance: ProcessInstance, workflow: BpmnWorkflow, now: datetime | None = None, new: bool = False,
    open_before: set[str] | None = None,
) -> list[dict]:
    """Create rows for newly READY user tasks and close rows whose task moved on; return the new
    rows' values.

    `new`: the instance was created in this transaction and cannot have rows yet (no query).
    `open_before`: the BPMN ids of the tasks whose rows are open (the READY user tasks of the
    state as it was stored, less a task the caller completed itself). With it nothing is read:
    the rows of tasks that moved on are closed with one UPDATE, and only when there are any.
    New rows are written with one Core INSERT (no ORM objects: nobody in the request uses them,
    and the unit of work costs more than the statement).
    """
    now = now or utcnow()
    ready = {str(task.id): task for task in workflow.get_tasks(state=SpiffState.READY, manual=True)}
    if open_before is not None and not new:
        moved_on = open_before - ready.keys()
        if moved_on:
            table = HumanTask.__table__
            db.session.connection().execute(
                update(table)
                .where(table.c.instance_id == instance.id, table.c.bpmn_task_id.in_(sorted(moved_on)),
                       table.c.state == TaskState.open)
                .values(state=TaskState.cancelled, completed_dt=now, reminder_dt=None)
            )
        known = open_before
    else:
        open_rows = [] if new else db.session.scalars(
            select(HumanTask).filter_by(instance_id=instance.id, state=TaskState.open)
        ).all()
        for row in open_rows:
            if row.bpmn_task_id not in ready:
                row.state = TaskState.cancelled
                row.completed_dt = now
                row.reminder_dt = None
        known = {row.bpmn_task_id for row in open_rows}
    created = [new_row_values(instance, task, workflow, now) for task_id, task in ready.items() if task_id not in known]
    if created:
        db.session.connection().execute(insert(HumanTask.__table__), created)
    return created


def new_row_values(instance: ProcessInstance, task, workflow: BpmnWorkflow, now: datetime) -> dict:
    """The columns of the inbox row for one READY user task (every row has the same keys)."""
    spec = task.task_spec
    role = _role_of(spec).at_level(_instance_level(instance))
    properties = spec.extensions.get("properties", {})
    limits = getattr(workflow.script_engine, "limits", None)
    name = step_name(spec)
    org_id = _task_org_id(task, properties.get("scopeOrg"), workflow, instance, role)
    due_dt = _due_date(task, properties.get("dueIn"), workflow, now)
    # The reminder and event policies are registered from outside the engine (webapp.engine.registry).
    registry = workflow.script_engine.registry
    assignee_id, personal = None, False
    if role is Role.teacher:
        # A teacher's step belongs to the teacher the instance is about, nobody else.
        assignee_id, personal = instance.subject_user_id, True
    elif properties.get("assignee"):
        # A step for one named person (one ballot per committee member): an expression giving a user id.
        assignee_id, personal = _assignee(task, properties["assignee"], workflow, role, org_id), True
    return {
        "instance_id": instance.id,
        "process_id": instance.process_id,
        "bpmn_task_id": str(task.id),
        "task_name": name,
        "title": (spec.bpmn_name or spec.name)[:200],
        "title_en": properties.get("nameEn") or None,
        "role": role,
        "org_id": org_id,
        "subject_user_id": instance.subject_user_id,
        "subject_name": (instance.title or "")[:100],
        "subject_name_en": (instance.title_en or "")[:100] or None,
        "assignee_id": assignee_id,
        "personal": personal,
        "form_file": properties.get("formJsonSchemaFilename"),
        "ui_form_file": properties.get("formUiSchemaFilename"),
        "instructions": render_instructions(spec.extensions.get("instructionsForEndUser"), task.data, limits),
        "instructions_en": render_instructions(properties.get("instructionsEn"), task.data, limits),
        "state": TaskState.open,
        "created_dt": now,
        "due_dt": due_dt,
        "panel": properties.get("panel") or None,
        "secret_handler": properties.get("secretHandler") or None,
        # Both go in the row's own INSERT (no rows of other tables).
        "reminder_dt": registry.first_reminder(instance.process_id, name, due_dt, now, instance.org_path),
        "announce_dt": now if registry.announces(instance.process_id, name) else None,
    }


def refresh_open_row(row: HumanTask, task) -> None:
    """After an instance moved to a new version: the step's name, form, panel and secrecy as the
    new version defines them (who holds it, its due time and its draft stay)."""
    spec = task.task_spec
    properties = spec.extensions.get("properties", {})
    row.title = (spec.bpmn_name or spec.name)[:200]
    row.title_en = properties.get("nameEn") or None
    row.form_file = properties.get("formJsonSchemaFilename")
    row.ui_form_file = properties.get("formUiSchemaFilename")
    row.panel = properties.get("panel") or None
    row.secret_handler = properties.get("secretHandler") or None


def step_name(spec) -> str:
    """The diagram's id of a user task; each instance of a multi-instance step has the same one."""
    return spec.name.removesuffix(" [child]")


def _assignee(task, expression: str, workflow: BpmnWorkflow, role: Role, org_id: int) -> int:
    """Evaluate the `assignee` property; the user must hold the step's role at its organisation."""
    value = workflow.script_engine.evaluate(task, expression)
    try:
        user_id = int(value)
    except (TypeError, ValueError):
        raise WorkflowConfigurationError(f"assignee of {task.task_spec.name!r} is {value!r}, not a user id") from None
    holds = db.session.scalar(
        select(RoleAssignment.id).filter_by(user_id=user_id, role=role, org_id=org_id).limit(1)
    )
    if holds is None:
        raise WorkflowConfigurationError(
            f"assignee {user_id} of {task.task_spec.name!r} does not hold the role {role.value!r} there"
        )
    return user_id


def _task_org_id(task, expression: str | None, workflow: BpmnWorkflow, instance: ProcessInstance, role: Role) -> int:
    """The organisation a step is for: the `scopeOrg` property (an expression giving an organisation
    id below the instance's, e.g. each school of a county-wide plan), else the one above the instance."""
    if not expression:
        return scope_org_id_for(instance, role)
    value = workflow.script_engine.evaluate(task, expression)
    org = db.session.get(Organisation, int(value)) if isinstance(value, int) or str(value).isdigit() else None
    if org is None or not org.path.startswith(instance.org_path) or org.kind.value not in role.levels:
        raise WorkflowConfigurationError(
            f"scopeOrg of {task.task_spec.name!r} is {value!r}: not a {role.level} inside the instance's organisation"
        )
    return org.id


def _role_of(spec) -> Role:
    """The role named by the task's lane; a user task outside a known lane is a diagram error."""
    lane = spec.lane
    try:
        return Role(lane)
    except ValueError:
        raise WorkflowConfigurationError(
            f"user task {spec.name!r} is in lane {lane!r}, which names no role "
            f"(expected one of: {', '.join(r.value for r in Role)})"
        ) from None


def _instance_level(instance: ProcessInstance) -> str | None:
    """The kind of the instance's own organisation ('county', 'city', …)."""
    ids = [int(part) for part in instance.org_path.strip("/").split("/") if part]
    return _org_kinds(ids).get(ids[-1]) if ids else None


def scope_org_id_for(instance: ProcessInstance, role: Role) -> int:
    """The id of the organisation, above or at the instance's, at which `role` acts on it: the nearest
    one of a level the role is held at (a role held at several levels acts at the closest)."""
    ids = [int(part) for part in instance.org_path.strip("/").split("/") if part]
    kinds = _org_kinds(ids)
    for org_id in reversed(ids):
        if kinds.get(org_id) in role.levels:
            return org_id
    raise WorkflowConfigurationError(
        f"role {role.value!r} acts at {role.level} level, but instance {instance.id} has no such organisation above it"
    )


def _org_kinds(ids: list[int]) -> dict[int, str]:
    """The kind (level) of each organisation, read once per app: an organisation never changes level.

    Every new inbox row needs the levels above its instance; without this each one cost a query.
    """
    cache: dict[int, str] = current_app.extensions.setdefault("org_kind_cache", {})
    missing = [org_id for org_id in ids if org_id not in cache]
    if missing:
        for org_id, kind in db.session.execute(
            select(Organisation.id, Organisation.kind).where(Organisation.id.in_(missing))
        ):
            cache[org_id] = kind.value
    return cache


def _due_date(task, due_in: str | None, workflow: BpmnWorkflow, now: datetime) -> datetime | None:
    """Evaluate the task's `dueIn` property: an ISO duration or an absolute time, as an expression.

    A duration of whole days ("P5D") counts working days and ends at local midnight closing the
    last one (weekends, holidays and make-up days from the calendar); other durations ("PT4H",
    "P1W") are calendar time. An absolute time (such as the county's cycle deadline) is used as is.
    """
    if not due_in:
        return None
    value = workflow.script_engine.evaluate(task, due_in)
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    if value.upper().startswith("P"):
        parsed = TimerEventDefinition.parse_iso_duration(value)
        if set(parsed) == {"days"} and isinstance(parsed["days"], int):
            return end_of_working_days(now, parsed["days"])
        return now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
    return TimerEventDefinition.get_datetime(value)


