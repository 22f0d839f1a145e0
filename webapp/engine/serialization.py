"""Turning workflows into JSON and back, with the spec stored once per process version."""
from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG


def _make_serializer() -> BpmnWorkflowSerializer:
    """A serializer that knows Spiff's task specs and the data types our forms produce."""
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _make_serializer()


def spec_to_json(spec, subprocess_specs) -> tuple[str, str]:
    """Serialise a process spec and its called processes; return (json, content hash)."""
    payload = {
        "spec": SERIALIZER.to_dict(spec),
        "subprocess_specs": {name: SERIALIZER.to_dict(sub) for name, sub in subprocess_specs.items()},
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def workflow_state_to_json(workflow: BpmnWorkflow) -> str:
    """The per-instance part of a workflow's serialisation (the spec lives on the version row)."""
    SERIALIZER.registry._encoder_mode = False
    state = _state_to_dict(workflow)
    state[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    return json.dumps(state, ensure_ascii=False, separators=(",", ":"))


def _state_to_dict(workflow: BpmnWorkflow) -> dict:
    """`SERIALIZER.to_dict(workflow)` without "spec" and "subprocess_specs", which are never built.

    The library's converter serialises the whole spec (DMN tables included) on every save only
    for us to drop it; this does what its `BpmnWorkflowConverter.to_dict` does, minus the specs.
    """
    registry = SERIALIZER.registry
    typename = registry.typenames[type(workflow)]
    converter = registry.convert_to_dict[typename].args[1].__self__
    state = WorkflowConverter.to_dict(converter, workflow)
    state["subprocesses"] = converter.mapping_to_dict(workflow.subprocesses)
    state["bpmn_events"] = registry.convert(workflow.bpmn_events)
    state["typename"] = typename
    return state


def specs_from_json(spec_json: str) -> tuple:
    """Restore a version's process spec and called-process specs, once, to share between workflows.

    Specs are not changed by running workflows (new workflows already share the parsed library's
    specs), so a restored version can back every instance of it: restoring the spec is more than
    half of the cost of loading a workflow.
    """
    payload = json.loads(spec_json)
    spec = SERIALIZER.registry.restore(payload["spec"])
    subprocess_specs = {name: SERIALIZER.registry.restore(sub) for name, sub in payload["subprocess_specs"].items()}
    return spec, subprocess_specs


def workflow_from_json(state_json: str, spec_json: str, script_engine, specs: tuple | None = None) -> BpmnWorkflow:
    """Rebuild a workflow from its state and its version's spec, and attach the script engine.

    With `specs` (from `specs_from_json` of the same `spec_json`) the spec is not restored again,
    unless the state was written by an older serializer version and needs migrating first.
    """
    state = json.loads(state_json)
    if specs is not None and state.get(SERIALIZER.VERSION_KEY) == SERIALIZER.VERSION:
        state.pop(SERIALIZER.VERSION_KEY)
        # Already-restored objects pass through the serializer's restore unchanged.
        state["spec"], state["subprocess_specs"] = specs[0], dict(specs[1])
    else:
        state.update(json.loads(spec_json))
        SERIALIZER.migrate(state)
    workflow = SERIALIZER.from_dict(state)
    # The script engine is not part of the serialisation: without this, scripts run unsandboxed.
    # (Subprocesses ask their top workflow for it.)
    workflow.script_engine = script_engine
    return workflow
