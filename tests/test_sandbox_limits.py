"""Scripts cannot tie up a worker: each attack is stopped in bounded time with a clear error."""
from __future__ import annotations

import re
import threading
import time
from datetime import date

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from webapp.engine.errors import ScriptSafetyError
from webapp.engine.instructions import render_instructions
from webapp.engine.limits import EngineLimits
from webapp.engine.sandbox import SandboxedEnvironment, ScriptEngine, ScriptLimitExceeded, check_code

from .test_sandbox import probe_workflow

FAST = EngineLimits(script_cpu_seconds=0.3, script_memory_mb=48)
NESTED_LOOPS = "sum(1 for a in range(100000) for b in range(100000))"


def _stopped_within(seconds: float, function, *args):
    """Run `function`; return the exception it raised, failing if it took longer than `seconds`."""
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        function(*args)
    assert time.monotonic() - started < seconds
    return caught.value


@pytest.mark.parametrize("code, mode", [
    (NESTED_LOOPS, "eval"),
    ("max(len(str(b)) for a in range(100000) for b in range(100000))", "eval"),
    ("def f(n):\n    return 0 if n == 0 else f(n - 1) + f(n - 1)\nx = f(40)", "exec"),
    ("f = lambda n: 0 if n == 0 else f(n - 1) + f(n - 1)\nx = f(40)", "exec"),
    # A script cannot catch the stop, nor loop on in a finally block.
    (f"try:\n    x = {NESTED_LOOPS}\nexcept Exception:\n    x = 0", "exec"),
    (f"try:\n    x = 1\nfinally:\n    y = {NESTED_LOOPS}", "exec"),
])
def test_cpu_time_is_limited(code, mode):
    env = SandboxedEnvironment(FAST)
    run = env.evaluate if mode == "eval" else env.execute
    error = _stopped_within(3, run, code, {})
    assert isinstance(error, ScriptLimitExceeded)
    assert "used more than 0.3 s of CPU time (SCRIPT_CPU_SECONDS)" in str(error)


@pytest.mark.parametrize("code", [
    "[list(range(100000)) for i in range(1000)]",
    "[i for a in range(100000) for i in range(100000)]",
    "[('x' * 10000) + str(i) for i in range(100000)]",
])
def test_memory_growth_is_limited(code):
    error = _stopped_within(3, SandboxedEnvironment(FAST).evaluate, code, {})
    assert isinstance(error, ScriptLimitExceeded)
    assert "used more than 48 MB of memory (SCRIPT_MEMORY_MB)" in str(error)


@pytest.mark.parametrize("code, fragment", [
    ("'x'.ljust(10**9)", "over 1,000,000"),
    ("'x'.rjust(width=10**9)", "over 1,000,000"),
    ("'ab'.center(10**8)", "over 1,000,000"),
    ("'1'.zfill(10**8)", "over 1,000,000"),
    ("('\\t' * 1000).expandtabs(10**6)", "over 1,000,000"),
    ("('ab' * 1000).replace('a', 'x' * 10000)", "over 1,000,000"),
    ("('x' * 100).join(['a'] * 10000 * 10)", "over 1,000,000"),
    ("('a' * 1000).translate({97: 'b' * 10000})", "over 1,000,000"),
    ("(1).to_bytes(10**8, 'big')", "over 1,000,000"),
    ("'%0*d' % (10**8, 1)", "%-format widths"),
    ("'%0100000000d' % 1", "%-format widths"),
    ("sum([[1] * 1000] * 3000, [])", "sum() adds numbers only"),
    ("int(Decimal('1e99999'))", "Decimal with more than 1000 digits"),
    ("round(Decimal('1e99999'))", "Decimal with more than 1000 digits"),
    ("f'{Decimal(\"1e999999999\"):f}'", "Decimal with more than 1000 digits"),
    ("len(set([i * (2**60 + 2**60 - 1) for i in range(30000)]))", "integers are limited"),
    ("(1.5e300).as_integer_ratio()", "integers are limited"),
    ("int.from_bytes(('x' * 100).encode(), 'big')", "integers are limited"),
    ("n + n", "integers are limited"),
    ("date(2024, 1, 1).strftime('%Y' * 600)", "strftime format longer than 1000"),
])
def test_size_guards_refuse_before_allocating(code, fragment):
    error = _stopped_within(0.5, SandboxedEnvironment(FAST).evaluate, code, {"n": 2**60})
    assert isinstance(error, ScriptSafetyError)
    assert fragment in str(error)


@pytest.mark.parametrize("code, fragment", [
    ("9**9**9", "exponent of ** must be a number constant"),
    ("while True:\n    pass", "while loops not allowed"),
    ("f\"{1:>100000000}\"", "format widths and precisions above 1000"),
    ("f\"{1:>{n}}\"", "format specs in f-strings must be constant"),
    ("pad = 'x'.ljust\ny = pad(10**9)", "must be called directly"),
    ("try:\n    x = 1\nexcept:\n    x = 2", "bare 'except:'"),
])
def test_refused_before_running(code, fragment):
    with pytest.raises(ScriptSafetyError, match=re.escape(fragment)):
        check_code(code, "exec")


def test_the_named_attacks_fail_the_task_with_a_clear_message():
    for script, fragment in [(f"x = 1\ny = {NESTED_LOOPS}", "CPU time"), ("x = 1\ny = 'x'.ljust(10**9)", "too large")]:
        workflow = probe_workflow(script=script, engine=ScriptEngine(limits=FAST))
        error = _stopped_within(3, workflow.do_engine_steps)
        assert isinstance(error, WorkflowTaskException)
        assert fragment in str(error) + "".join(getattr(error, "__notes__", []))


def test_legitimate_code_still_works():
    env = SandboxedEnvironment(FAST)
    context = {"names": ["张三", "李四"], "tally": {"a": {"votes": 1}}, "items": [1], "day": date(2024, 1, 31)}
    alias = context["items"]
    env.execute(
        "label = ', '.join(names).ljust(12, '.')\n"
        "tally['a']['votes'] += 1\n"
        "items += [2]\n"
        "items *= 2\n"
        "text = f'{3.14159:>10.2f}|' + '%05d' % 42 + str(int('42') + round(2.5) + sum([1, 2]))\n"
        "later = day.replace(year=2025)\n"
        "stamp = day.strftime('%Y年%m月%d日')\n"
        "big = 2 ** 60 - 1 + 1\n", context)
    assert context["label"] == "张三, 李四......"
    assert context["tally"] == {"a": {"votes": 2}}
    assert context["items"] == [1, 2, 1, 2]
    assert alias is context["items"]  # extended in place, as without the guard
    assert context["text"] == "      3.14|00042" + str(42 + 2 + 3)
    assert context["later"] == date(2025, 1, 31)
    assert context["stamp"] == "2024年01月31日"
    assert context["big"] == 2**60


def test_no_stray_interrupt_after_a_stopped_evaluation():
    env = SandboxedEnvironment(FAST)
    for _ in range(3):
        with pytest.raises(ScriptLimitExceeded):
            env.evaluate(NESTED_LOOPS, {})
        # The thread goes on to ordinary work: nothing raises into it later.
        total = 0
        for number in range(2_000_000):
            total += number
        assert env.evaluate("x + 1", {"x": total}) == total + 1


def test_cpu_time_is_counted_per_thread():
    """A runaway evaluation in one thread does not stop a busy but legitimate one in another."""
    env = SandboxedEnvironment(EngineLimits(script_cpu_seconds=0.5, script_memory_mb=48))
    results = {}

    def legitimate():
        results["ok"] = env.evaluate("sum(1 for a in range(300) for b in range(300))", {})

    worker = threading.Thread(target=legitimate)
    worker.start()
    with pytest.raises(ScriptLimitExceeded):
        env.evaluate(NESTED_LOOPS, {})
    worker.join()
    assert results["ok"] == 90_000


def test_instruction_templates_are_limited_too():
    template = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}done"
    started = time.monotonic()
    text = render_instructions(template, {}, FAST)
    assert time.monotonic() - started < 3
    assert text.endswith("[ScriptLimitExceeded: used more than 0.3 s of CPU time (SCRIPT_CPU_SECONDS)]")
    assert render_instructions("{{ name }} 你好", {"name": "张三"}, FAST) == "张三 你好"


def test_the_administrators_message_names_the_element_and_line():
    from webapp.workflow.advance import error_text

    workflow = probe_workflow(script=f"x = 1\ny = {NESTED_LOOPS}", engine=ScriptEngine(limits=FAST))
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert error_text(caught.value) == (
        "[Task_script Script] line 2: ScriptLimitExceeded:used more than 0.3 s of CPU time (SCRIPT_CPU_SECONDS).")
