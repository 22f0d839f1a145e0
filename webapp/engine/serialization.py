"""Turning workflows into JSON and back, with the spec stored once per process version."""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from datetime import date
from decimal import Decimal

from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from .bounded import bounded_serializer_config


def _make_serializer() -> BpmnWorkflowSerializer:
    """A serializer that knows Spiff's task specs (with our checked multi-instance tasks) and the
    data types our forms produce."""
    registry = BpmnWorkflowSerializer.configure(bounded_serializer_config())
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return BpmnWorkflowSerializer(registry)


class _CachedSpec:
    """Stands for an already deserialised spec inside a state dict (see `workflow_from_json`)."""


SERIALIZER = _make_serializer()
# Specs are immutable once parsed (new workflows already share the library's), so each version's
# spec is deserialised once per process instead of on every restore: that was most of its cost.
_SPECS: OrderedDict[str, tuple] = OrderedDict()
_SPECS_LOCK = threading.Lock()
_SPECS_MAX = 64
# The placeholder carries the spec object itself; restoring it just hands that object back.
SERIALIZER.registry.register(_CachedSpec, lambda v: {}, lambda v: v["spec"], typename="_CachedSpec")
_WORKFLOW_CONVERTER = SERIALIZER.registry.convert_to_dict["BpmnWorkflow"].args[1].__self__


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
    """`BpmnWorkflowConverter.to_dict` without converting the spec, which we would throw away."""
    converter = _WORKFLOW_CONVERTER
    state = WorkflowConverter.to_dict(converter, workflow)
    state["subprocesses"] = converter.mapping_to_dict(workflow.subprocesses)
    state["bpmn_events"] = converter.registry.convert(workflow.bpmn_events)
    state["typename"] = "BpmnWorkflow"
    return state


def workflow_from_json(state_json: str, spec_json: str, script_engine) -> BpmnWorkflow:
    """Rebuild a workflow from its state and its version's spec, and attach the script engine."""
    state = json.loads(state_json)
    if state.get(SERIALIZER.VERSION_KEY) == SERIALIZER.VERSION:
        # Current format: no migration to run, so the cached spec objects can be used as they are.
        spec, subprocess_specs = _cached_specs(spec_json)
        state.pop(SERIALIZER.VERSION_KEY)
        state["spec"] = {"typename": "_CachedSpec", "spec": spec}
        state["subprocess_specs"] = {
            name: {"typename": "_CachedSpec", "spec": sub} for name, sub in subprocess_specs.items()
        }
    else:
        state.update(json.loads(spec_json))
        SERIALIZER.migrate(state)
    workflow = SERIALIZER.from_dict(state)
    # The script engine is not part of the serialisation: without this, scripts run unsandboxed.
    # (Subprocesses ask their top workflow for it.)
    workflow.script_engine = script_engine
    return workflow


def _cached_specs(spec_json: str) -> tuple:
    """A version's (spec, subprocess specs), deserialised once per process (a few dozen kept)."""
    # Keyed by the text itself: the engine hands over the same string object each time, whose
    # hash Python caches, so a hit costs no hashing of the ~100 KB spec.
    with _SPECS_LOCK:
        specs = _SPECS.get(spec_json)
        if specs is not None:
            _SPECS.move_to_end(spec_json)
            return specs
    payload = json.loads(spec_json)
    specs = (
        SERIALIZER.from_dict(payload["spec"]),
        {name: SERIALIZER.from_dict(sub) for name, sub in payload["subprocess_specs"].items()},
    )
    with _SPECS_LOCK:
        _SPECS[spec_json] = specs
        while len(_SPECS) > _SPECS_MAX:
            _SPECS.popitem(last=False)
    return specs
