"""Moving a running workflow onto a newer version of its process, where the engine can.

SpiffWorkflow aligns the old and the new spec by element id (`SpecDiff`), and `migrate_workflow`
points every task at its new spec and re-predicts from the tasks that are ready. This module adds
the rule that decides whether that is safe for us, and says why not in words an administrator can
act on: every step the instance has done or is at must still exist in the new version (a
completed step that vanished could not be read back; a current step that vanished would leave
the instance nowhere), and every process it has called must still be there. Changed steps are
fine: what is done stays done, what comes next follows the new version.

The trial runs on a throw-away copy (restored from the stored state), ends with a serialisation
round trip against the new version, and is repeated for real only by the caller that stores it.
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .serialization import SERIALIZER, workflow_from_json, workflow_state_to_json

# Steps the instance has done or is at: they must exist in the new version.
_DEFINITE = TaskState.COMPLETED | TaskState.STARTED | TaskState.READY | TaskState.WAITING | TaskState.ERROR
# Reset and re-predicted from the new version. Waiting steps (timers, messages) are left as they
# are: resetting them would start a notice period's timer again from now.
_RESET = TaskState.READY


@dataclass
class MigrationCheck:
    """Whether a workflow can move to a new version, and why not.

    Each reason is (code, detail): "completed_missing" / "current_missing" (a step, "called
    process: step" inside a called process), "call_missing" (a called process), "left_over" (a
    step), "unreadable" (the error). The caller words them in the user's language.
    """

    reasons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def possible(self) -> bool:
        """True if nothing stands in the way."""
        return not self.reasons


def _step(task) -> str:
    """A step as an administrator recognises it: its id and its name on the diagram."""
    spec = task.task_spec
    element_id = getattr(spec, "bpmn_id", None) or spec.name
    name = getattr(spec, "bpmn_name", None)
    return f"{element_id} “{name}”" if name else str(element_id)


def _blocking(workflow, new_spec, prefix: str = "") -> list[tuple[str, str]]:
    """Steps done or current whose element id the new version lacks (matched by id only: the
    library's guess by structure is no promise that a renamed step means the same)."""
    reasons = []
    for task in workflow.get_tasks(state=_DEFINITE, skip_subprocesses=True):
        if getattr(task.task_spec, "bpmn_id", None) is None or task.task_spec.name in new_spec.task_specs:
            continue  # engine-internal specs have no element id
        state = "completed" if task.has_state(TaskState.COMPLETED) else "current"
        reasons.append((f"{state}_missing", f"{prefix}{_step(task)}"))
    return sorted(set(reasons))


def check_migration(workflow: BpmnWorkflow, new_spec, new_subprocess_specs: dict) -> MigrationCheck:
    """Can `workflow` move to `new_spec`? (Reads only; the workflow is not changed.)"""
    check = MigrationCheck(_blocking(workflow, new_spec))
    for sub in workflow.subprocesses.values():
        new_sub = new_subprocess_specs.get(sub.spec.name)
        if new_sub is None:
            check.reasons.append(("call_missing", sub.spec.name))
        else:
            check.reasons += _blocking(sub, new_sub, f"{sub.spec.name}: ")
    return check


def migrate(workflow: BpmnWorkflow, new_spec, new_subprocess_specs: dict) -> MigrationCheck:
    """Move `workflow` onto the new spec in place if `check_migration` allows it."""
    check = check_migration(workflow, new_spec, new_subprocess_specs)
    if not check.possible:
        return check
    top, subs = diff_workflow(SERIALIZER.registry, workflow, new_spec, new_subprocess_specs)
    # A reset gives a ready task its parent's data again: a ballot of a multi-instance step would
    # lose which member it is for. Keep what each ready task held.
    kept = {task.id: (deepcopy(task.data), deepcopy(task.internal_data))
            for task in workflow.get_tasks(state=_RESET)}
    migrate_workflow(top, workflow, new_spec, reset_mask=_RESET)
    for sp_id, sub in workflow.subprocesses.items():
        migrate_workflow(subs[sp_id], sub, new_subprocess_specs[sub.spec.name], reset_mask=_RESET)
    workflow.subprocess_specs = dict(new_subprocess_specs)
    for task in workflow.get_tasks(state=_RESET):
        if task.id in kept:
            task.data, task.internal_data = kept[task.id]
    leftover = _old_specs(workflow)
    if leftover:
        check.reasons += [("left_over", name) for name in leftover]
    return check


def _old_specs(workflow: BpmnWorkflow) -> list[str]:
    """Tasks still pointing at a spec the new version does not define (by name)."""
    found = []
    for wf in [workflow, *workflow.subprocesses.values()]:
        for task in wf.tasks.values():
            if wf.spec.task_specs.get(task.task_spec.name) is not task.task_spec:
                found.append(task.task_spec.name)
    return sorted(set(found))


def trial(state_json: str, old_spec_json: str, new_spec_json: str, new_spec, new_subprocess_specs: dict,
          script_engine) -> tuple[MigrationCheck, BpmnWorkflow | None]:
    """Migrate a fresh copy of a stored workflow and read it back on the new version.

    Returns the check and, if possible, the migrated workflow (restored from its new state, so
    exactly what the next request would see).
    """
    workflow = workflow_from_json(state_json, old_spec_json, script_engine)
    check = migrate(workflow, new_spec, new_subprocess_specs)
    if not check.possible:
        return check, None
    try:
        migrated = workflow_from_json(workflow_state_to_json(workflow), new_spec_json, script_engine)
    except Exception as error:  # any failure to read the result back means: do not move it
        check.reasons.append(("unreadable", f"{type(error).__name__}: {error}"[:300]))
        return check, None
    return check, migrated
