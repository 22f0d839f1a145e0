"""Bounds on what one diagram may do: checked when it loads, and again while it runs."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from webapp.engine.limits import EngineBudget, EngineBudgetExceeded, EngineLimits
from webapp.engine.loader import load_library
from webapp.engine.sandbox import ScriptEngine
from webapp.engine.serialization import spec_to_json, workflow_from_json, workflow_state_to_json
from webapp.forms import FormLibrary

FIXTURES = Path(__file__).parent / "fixtures" / "engine"
HANGING = FIXTURES / "hanging"
RUNAWAY = FIXTURES / "runtime" / "runaway_loop.bpmn"


def library_of(tmp_path: Path, bpmn: str, limits: EngineLimits | None = None, forms: Path | None = None):
    """Load one diagram (text) from a fresh workflows directory."""
    target = tmp_path / "workflows"
    target.mkdir(exist_ok=True)
    (target / "process.bpmn").write_text(bpmn, encoding="utf-8")
    checker = FormLibrary(forms).problem if forms else None
    return load_library(target, limits=limits, form_checker=checker)


def mi_diagram(cardinality: str | None = None, collection: str | None = None) -> str:
    """The hanging multi-instance fixture with another cardinality, or looping over a collection."""
    text = (HANGING / "workflows" / "multi_instance_huge.bpmn").read_text(encoding="utf-8")
    if collection:
        return text.replace("<bpmn:loopCardinality>10 ** 7</bpmn:loopCardinality>",
                            f"<bpmn:loopDataInputRef>{collection}</bpmn:loopDataInputRef>"
                            "<bpmn:inputDataItem id=\"item\" name=\"item\" />")
    return text.replace("10 ** 7", cardinality)


def cycle_diagram(cycle: str) -> str:
    """The hanging cycle-timer fixture with another timeCycle expression."""
    text = (HANGING / "workflows" / "timer_cycle_zero.bpmn").read_text(encoding="utf-8")
    return text.replace('"R/PT0S"', cycle)


def start(library, process_id: str, limits: EngineLimits | None = None, **data) -> BpmnWorkflow:
    """A new workflow with ``data`` on its start task."""
    spec, subprocess_specs = library.spec(process_id)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=ScriptEngine(limits=limits))
    workflow.get_tasks()[0].data.update(data)
    return workflow


# --- when the diagram loads ------------------------------------------------------------------


@pytest.mark.parametrize("cardinality, refused", [("500", False), ("501", True), ("10 ** 7", True), ("count", False)])
def test_constant_cardinality_is_held_to_the_cap(tmp_path, cardinality, refused):
    library = library_of(tmp_path, mi_diagram(cardinality))
    messages = [str(error) for error in library.errors]
    if refused:
        assert messages == [f"process.bpmn:14 [count_each]: loopCardinality: a multi-instance task may create at "
                            f"most 500 instances, not {eval(cardinality):,} (MULTI_INSTANCE_MAX)"]
        assert library.process_ids() == []
    else:
        assert messages == []  # an expression over process data is checked when it runs


def test_the_cap_is_a_local_setting(tmp_path):
    library = library_of(tmp_path, mi_diagram("800"), EngineLimits(multi_instance_max=1000))
    assert library.errors == []


@pytest.mark.parametrize("cycle, fragment", [
    ('"R/PT0S"', "without a count (R/...) repeats forever"),
    ('"R/PT1H"', "without a count (R/...) repeats forever"),
    ('"R5/PT0S"', "interval must be at least 60 s, not 0 s"),
    ('"R5/PT30S"', "interval must be at least 60 s, not 30 s"),
    ('"R101/P1D"', "at most 100 times, not 101"),
    ('"R3/2030-01-01T00:00:00Z/PT1S"', "interval must be at least 60 s, not 1 s"),
])
def test_timer_cycles_need_a_count_and_an_interval(tmp_path, cycle, fragment):
    library = library_of(tmp_path, cycle_diagram(cycle))
    (error,) = library.errors
    assert (error.filename, error.line, error.element_id) == ("process.bpmn", 21, "remind")
    assert fragment in error.message
    assert library.process_ids() == []


@pytest.mark.parametrize("cycle", ['"R3/PT1H"', '"R100/P1D"', "reminder_cycle"])
def test_bounded_cycles_load(tmp_path, cycle):
    assert library_of(tmp_path, cycle_diagram(cycle)).errors == []


def test_forms_named_by_tasks_are_checked_when_the_diagram_loads(tmp_path):
    shutil.copytree(HANGING / "workflows", tmp_path / "workflows")
    library = load_library(tmp_path / "workflows", form_checker=FormLibrary(HANGING / "forms").problem)
    found = {(e.filename, e.line, e.element_id): e.message for e in library.errors if e.filename == "bad_forms.bpmn"}
    assert list(found) == [("bad_forms.bpmn", line, element) for line, element in [
        (14, "form_traversal"), (23, "form_missing"), (32, "form_remote_ref"), (41, "form_file_ref"),
        (50, "form_fanout"), (60, "form_ui_traversal")]]
    messages = list(found.values())
    assert "'../../../etc/passwd.json' must match" in messages[0]
    assert "file not found in the forms directory" in messages[1]
    assert "$ref 'http://attacker.example/name.json' is not allowed" in messages[2]
    assert "$ref 'file:///etc/passwd' is not allowed" in messages[3]
    assert "expands to more than 500 fields" in messages[4]
    assert messages[5].startswith("formUiSchemaFilename '/etc/ui.json': file name '/etc/ui.json' must match")
    assert "bad_forms" not in library.process_ids()


def test_a_good_form_passes_and_the_fanout_schema_fails_quickly():
    forms = FormLibrary(HANGING / "forms")
    assert forms.problem("plain.schema.json") is None
    started = time.monotonic()
    assert "expands to more than 500 fields" in forms.problem("fanout.schema.json")
    assert time.monotonic() - started < 2
    assert "fanout.schema.json" in {error.filename for error in forms.check_all()}


# --- while it runs -----------------------------------------------------------------------


def test_a_cardinality_from_process_data_is_checked_before_expanding(tmp_path):
    workflow = start(library_of(tmp_path, mi_diagram("count")), "multi_instance_huge", count=10**7)
    started = time.monotonic()
    with pytest.raises(WorkflowTaskException, match="at most 500 instances, not 10,000,000"):
        workflow.do_engine_steps()
    assert time.monotonic() - started < 2
    (failed,) = workflow.get_tasks(state=TaskState.ERROR)
    assert failed.task_spec.bpmn_id == "count_each"
    assert len(workflow.get_tasks()) < 20  # nothing was expanded


def test_an_input_collection_is_checked_before_expanding(tmp_path):
    library = library_of(tmp_path, mi_diagram(collection="items"))
    with pytest.raises(WorkflowTaskException, match="at most 500 instances, not 501"):
        start(library, "multi_instance_huge", items=list(range(501))).do_engine_steps()
    workflow = start(library, "multi_instance_huge", items=list(range(500)))
    workflow.do_engine_steps()
    assert workflow.is_completed()


def test_restored_instances_keep_the_checked_multi_instance_tasks(tmp_path):
    library = library_of(tmp_path, mi_diagram("count"))
    workflow = start(library, "multi_instance_huge", count=10**7)
    spec_json, _hash = spec_to_json(*library.spec("multi_instance_huge"))
    restored = workflow_from_json(workflow_state_to_json(workflow), spec_json, ScriptEngine())
    with pytest.raises(WorkflowTaskException, match="at most 500 instances"):
        restored.do_engine_steps()


def test_a_cycle_from_process_data_is_checked_when_it_runs(tmp_path):
    workflow = start(library_of(tmp_path, cycle_diagram("reminder_cycle")), "timer_cycle_zero",
                     reminder_cycle="R/PT0S")
    started = time.monotonic()
    with pytest.raises(WorkflowTaskException, match=r"timer cycle 'R/PT0S': a timer cycle without a count"):
        workflow.do_engine_steps()
    assert time.monotonic() - started < 2


def test_a_cycle_within_the_limits_runs(tmp_path):
    workflow = start(library_of(tmp_path, cycle_diagram("reminder_cycle")), "timer_cycle_zero",
                     reminder_cycle="R3/PT1H")
    workflow.do_engine_steps()
    assert [task.task_spec.bpmn_id for task in workflow.get_tasks(state=TaskState.READY)] == ["wait_for_answer"]


def test_the_step_budget_stops_a_wide_advance(tmp_path):
    limits = EngineLimits(engine_max_steps=100)
    workflow = start(library_of(tmp_path, mi_diagram("300")), "multi_instance_huge", limits)
    with pytest.raises(EngineBudgetExceeded, match=r"stopped after 100 engine steps in one go \(ENGINE_MAX_STEPS\)"):
        workflow.do_engine_steps(did_complete_task=EngineBudget(limits))


def test_the_time_budget_and_the_loop_depth(tmp_path):
    library = library_of(tmp_path, RUNAWAY.read_text(encoding="utf-8"))
    limits = EngineLimits(engine_max_seconds=0.2)
    with pytest.raises(EngineBudgetExceeded, match=r"s of engine steps in one go \(ENGINE_MAX_SECONDS"):
        start(library, "runaway_loop", limits, n=0).do_engine_steps(did_complete_task=EngineBudget(limits))
    # Without a time limit, the loop is stopped before SpiffWorkflow loses track of its tasks
    # (it would otherwise report the process completed after about 500 rounds).
    workflow = start(library, "runaway_loop", n=0)
    with pytest.raises(EngineBudgetExceeded, match="looped 901 levels deep without waiting"):
        workflow.do_engine_steps(did_complete_task=EngineBudget(EngineLimits(engine_max_seconds=60)))
    assert not workflow.is_completed()


def test_a_sequential_multi_instance_task_is_checked_too(tmp_path):
    text = mi_diagram("count").replace("<bpmn:multiInstanceLoopCharacteristics>",
                                       '<bpmn:multiInstanceLoopCharacteristics isSequential="true">')
    workflow = start(library_of(tmp_path, text), "multi_instance_huge", count=501)
    with pytest.raises(WorkflowTaskException, match="at most 500 instances, not 501"):
        workflow.do_engine_steps()
    workflow = start(library_of(tmp_path, text), "multi_instance_huge", count=3)
    workflow.do_engine_steps()
    assert workflow.is_completed()


def test_the_time_budget_does_not_charge_the_apps_own_handlers():
    """A service task's handler is the project's code doing the step's work (a conferral numbering
    hundreds of certificates): a slow moment of the machine must not stop the instance after that
    work is done. The budget is for the diagram's own steps, which still count (test above)."""

    from webapp.engine.registry import Handler, Registry

    from .test_sandbox import PROBES, VALIDATOR, SpiffBpmnParser, parse_xml_bytes

    def slow(who: str, count: int) -> dict:
        time.sleep(0.5)
        return {"who": who, "count": count}

    registry = Registry()
    registry.add_handler(Handler("slow_handler", slow, "sleeps longer than the advance's budget"))
    limits = EngineLimits(engine_max_seconds=0.2)
    bpmn = (PROBES / "service.bpmn").read_text().replace("PROBE_OPERATOR", "slow_handler")
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(parse_xml_bytes(bpmn.encode(), "service.bpmn"), filename="service.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("service"), {}, script_engine=ScriptEngine(registry, limits=limits))
    budget = EngineBudget(limits)
    workflow.do_engine_steps(did_complete_task=budget)
    assert workflow.is_completed()
    assert workflow.data["result"] == {"who": "张三", "count": 6}
    assert time.monotonic() - budget.started >= 0.5  # the advance really took longer than its budget
