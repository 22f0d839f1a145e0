"""The script sandbox: escape probes in script tasks, gateway conditions and DMN cells fail."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from webapp.engine.errors import ScriptSafetyError
from webapp.engine.loader import parse_xml_bytes
from webapp.engine.registry import Handler, Registry
from webapp.engine.sandbox import (
    SandboxedEnvironment,
    ScriptEngine,
    check_code,
    compile_checked,
    safe_builtins,
)

PROBES = Path(__file__).parent / "fixtures" / "engine" / "probe"
FAIL_HANDLER = "test_sandbox.fail"
ECHO_HANDLER = "test_sandbox.echo"


def _echo(who, count):
    """Test handler: return its arguments plus a date (not JSON-native)."""
    return {"who": who, "count": count, "when": date(2024, 9, 1)}


def _fail(who, count):
    """Test handler that always fails."""
    raise RuntimeError("boom")


REGISTRY = Registry()
for _name, _func in ((ECHO_HANDLER, _echo), (FAIL_HANDLER, _fail)):
    REGISTRY.add_handler(Handler(_name, _func, "test handler"))
SCRIPT_ENGINE = ScriptEngine(REGISTRY)  # one engine shared by workflows, as in the app


def probe_workflow(script="x = 1", condition="x == 1", cell="-", engine=None) -> BpmnWorkflow:
    """Build the probe process with plain SpiffWorkflow parsing (no loader checks)."""
    bpmn = (PROBES / "probe.bpmn").read_text().replace("PROBE_SCRIPT", escape(script))
    bpmn = bpmn.replace("PROBE_CONDITION", escape(condition))
    dmn = (PROBES / "probe.dmn").read_text().replace("PROBE_CELL", escape(cell))
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(parse_xml_bytes(bpmn.encode(), "probe.bpmn"), filename="probe.bpmn")
    parser.add_dmn_xml(parse_xml_bytes(dmn.encode(), "probe.dmn").getroot(), filename="probe.dmn")
    return BpmnWorkflow(parser.get_spec("probe"), parser.get_subprocess_specs("probe"),
                        script_engine=engine or ScriptEngine(REGISTRY))


def service_workflow(operator: str) -> BpmnWorkflow:
    """Build a one-service-task process calling ``operator``."""
    bpmn = (PROBES / "service.bpmn").read_text().replace("PROBE_OPERATOR", operator)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(parse_xml_bytes(bpmn.encode(), "service.bpmn"), filename="service.bpmn")
    return BpmnWorkflow(parser.get_spec("service"), {}, script_engine=ScriptEngine(REGISTRY))


# Expressions that must fail wherever an expression is evaluated. {marker} is a file the probe
# would create if it ran.
EXPRESSION_PROBES = [
    "__import__('os').system('touch {marker}')",
    "().__class__.__base__.__subclasses__()",
    "getattr(x, '__class__')",
    "9**9**9",
    "'a'*10**10",
    "len(list(range(10**10)))",
    "[k for k in (y for y in [1]).gi_frame.f_back.f_globals]",
    "'{{0.__class__}}'.format(x)",
    "eval('1')",
]

# Statements that must fail in a script task.
SCRIPT_PROBES = [
    "import os\nos.system('touch {marker}')",
    "from os import system",
    "raise SystemExit",
    "raise KeyboardInterrupt",
    "while True:\n    pass",
    "global x\nx = 2",
    "class A:\n    pass",
    "__builtins__['len'] = None",
    "s = 'a'\ns *= 10**10",
    "n = 10**64\nn = n**64\nn = n**64\nn = n**2",
    "n = 1 << 10**8",
    "def gen():\n    yield 1",
]


def _assert_fails(workflow: BpmnWorkflow, marker: Path) -> None:
    """Engine steps must raise an ordinary WorkflowTaskException and leave a task in ERROR."""
    with pytest.raises(WorkflowTaskException):
        workflow.do_engine_steps()
    assert workflow.get_tasks(state=TaskState.ERROR)
    assert not marker.exists()


@pytest.mark.parametrize("probe", EXPRESSION_PROBES + SCRIPT_PROBES)
def test_probe_fails_in_script_task(probe, tmp_path):
    marker = tmp_path / "pwned"
    code = probe.format(marker=marker)
    script = code if probe in SCRIPT_PROBES else f"x = 1\ny = {code}"
    _assert_fails(probe_workflow(script=script), marker)


@pytest.mark.parametrize("probe", EXPRESSION_PROBES)
def test_probe_fails_in_gateway_condition(probe, tmp_path):
    marker = tmp_path / "pwned"
    _assert_fails(probe_workflow(condition=probe.format(marker=marker)), marker)


@pytest.mark.parametrize("probe", EXPRESSION_PROBES)
def test_probe_fails_in_dmn_cell(probe, tmp_path):
    marker = tmp_path / "pwned"
    _assert_fails(probe_workflow(cell=probe.format(marker=marker)), marker)


def test_script_error_reports_line():
    workflow = probe_workflow(script="a = 1\nimport os")
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert caught.value.line_number == 2
    assert "import not allowed" in str(caught.value)


def test_system_exit_is_refused_and_not_even_a_builtin():
    with pytest.raises(WorkflowTaskException) as caught:
        probe_workflow(script="raise SystemExit").do_engine_steps()
    assert caught.value.error_type == "ScriptSafetyError"
    # Second line of defence, if the static check were bypassed: the name does not exist.
    for name in ("SystemExit", "KeyboardInterrupt", "BaseException", "getattr", "__import__"):
        with pytest.raises(NameError):
            exec(f"raise {name}", {"__builtins__": safe_builtins()})


def test_condition_error_keeps_the_reason():
    with pytest.raises(WorkflowTaskException) as caught:
        probe_workflow(condition="x.__class__").do_engine_steps()
    assert "names starting with '_' are not allowed" in str(caught.value)


def test_legitimate_probe_flow_runs():
    workflow = probe_workflow(script="x = 44\ntag = 'ok'", condition="x < 45 and tag == 'ok'",
                              cell="< 45")
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert workflow.last_task.data["result"] == "hit"


def test_nothing_planted_in_one_workflow_is_seen_by_the_next():
    first = probe_workflow(script="x = 1\nplanted = 1\nlen = 0\nsorted = None",
                           engine=SCRIPT_ENGINE)
    first.do_engine_steps()
    assert first.is_completed()
    second = probe_workflow(script="x = len('ab') - 1\ny = sorted([2, 1])",
                            condition="planted == 1", engine=SCRIPT_ENGINE)
    with pytest.raises(WorkflowTaskException, match="planted"):
        second.do_engine_steps()
    script_task = second.get_next_task(spec_name="Task_script")
    assert script_task.data["y"] == [1, 2]


def test_builtins_are_fresh_and_range_cannot_be_modified():
    assert safe_builtins() is not safe_builtins()
    env = SandboxedEnvironment()
    with pytest.raises(AttributeError):
        env.execute("range.planted = 1", {})


def test_private_task_data_is_never_injected():
    env = SandboxedEnvironment()
    context = {"__builtins__": {"len": lambda value: 99}, "_secret": 1, "a": 1}
    assert env.evaluate("len('a')", context) == 1
    env.execute("a = 2", context)
    assert context == {"__builtins__": context["__builtins__"], "_secret": 1, "a": 2}


def test_execute_leaves_only_plain_data():
    env = SandboxedEnvironment()
    context = {"gone": 1, "kept": 2}
    env.execute(
        "def f():\n    return 1\ng = lambda: 2\nm = map(str, [1])\nd = date\nr = range(3)\n"
        "value = f() + g()\nday = date(2024, 1, 2)\ndel gone", context)
    assert context == {"kept": 2, "value": 3, "day": date(2024, 1, 2)}


def test_external_context_and_dmn_input_name():
    env = SandboxedEnvironment()
    assert env.evaluate("dmninputexpr < 45", {}, {"dmninputexpr": 44}) is True
    assert env.evaluate("spiff__Task_1_result['ok']", {"spiff__Task_1_result": {"ok": True}})


def test_scripts_may_raise_and_catch_ordinary_exceptions():
    env = SandboxedEnvironment()
    context = {}
    env.execute("try:\n    r = 1 / 0\nexcept ZeroDivisionError:\n    r = 0", context)
    assert context["r"] == 0
    with pytest.raises(ValueError, match="bad score"):
        env.execute("raise ValueError('bad score')", {})


@pytest.mark.parametrize("source, mode", [
    ("x ** 2 + abs(-3) + round(2.5)", "eval"),
    ("spiff__Task_1_result", "eval"),
    ("a__b", "eval"),
    ("sorted(items, key=lambda item: item['n'])", "eval"),
    (f"'{'a' * 10}' * 10000", "eval"),
    ("for i in range(10):\n    total = i", "exec"),
    ("values = [v * 2 for v in data if v > 0]\nresult = f'{len(values)} values'", "exec"),
])
def test_check_code_accepts(source, mode):
    check_code(source, mode)


@pytest.mark.parametrize("source, mode, fragment", [
    ("import os", "exec", "import"),
    ("x = 1\nglobal y", "exec", "global"),
    ("_private", "eval", "'_'"),
    ("obj._private", "eval", "'_'"),
    ("f(_x=1)", "eval", "'_'"),
    ("lambda _x: 1", "eval", "'_'"),
    ("while x:\n    pass", "exec", "while"),
    ("class A:\n    pass", "exec", "class"),
    ("x ** 65", "eval", "exponent"),
    ("x ** y", "eval", "exponent"),
    ("'a' * 10001", "eval", "repetition"),
    ("[0] * 100000", "eval", "repetition"),
    ("'{}'.format(1)", "eval", "f-string"),
    ("Exception.mro()", "eval", "mro"),
    ("match x:\n    case _:\n        pass", "exec", "match"),
    ("x = (", "exec", "syntax"),
    ("x" * 10001, "eval", "longer"),
    ("d[f()] *= 2", "exec", "augmented"),
])
def test_check_code_rejects(source, mode, fragment):
    with pytest.raises(ScriptSafetyError, match=fragment):
        check_code(source, mode)


def test_compile_errors_become_safety_errors_with_line():
    with pytest.raises(ScriptSafetyError) as caught:
        compile_checked("x = 1\nreturn x", "exec")
    assert caught.value.lineno == 2


def test_runtime_size_guards():
    env = SandboxedEnvironment()
    assert env.evaluate("'ab' * n", {"n": 3}) == "ababab"
    assert env.evaluate("2 ** 60", {}) == 2**60
    assert len(env.evaluate("list(range(100000))", {})) == 100000
    for expression, data in [("'ab' * n", {"n": 10**9}), ("n * [0]", {"n": 10**9}),
                             ("range(100001)", {}), ("range(-10**30, 10**30)", {}),
                             ("n << 10**7", {"n": 1}), ("2 ** 61", {}), ("n + n", {"n": 2**60})]:
        with pytest.raises(ScriptSafetyError, match="too large"):
            env.evaluate(expression, data)


def test_compiled_code_is_cached():
    before = compile_checked.cache_info().hits
    env = SandboxedEnvironment()
    for value in range(3):
        env.evaluate("cached_probe_value + 1", {"cached_probe_value": value})
    assert compile_checked.cache_info().hits >= before + 2


def test_service_task_calls_handler_and_stores_json_result():
    workflow = service_workflow(ECHO_HANDLER)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert workflow.last_task.data["result"] == {"who": "张三", "count": 6, "when": "2024-09-01"}


def test_service_handler_failure_becomes_workflow_task_exception():
    workflow = service_workflow(FAIL_HANDLER)
    with pytest.raises(WorkflowTaskException, match=f"Service {FAIL_HANDLER} failed: boom"):
        workflow.do_engine_steps()
    assert workflow.get_tasks(state=TaskState.ERROR)


def test_unknown_service_operation():
    workflow = service_workflow("test_sandbox.no_such_handler")
    with pytest.raises(WorkflowTaskException, match="Unknown service operation"):
        workflow.do_engine_steps()
