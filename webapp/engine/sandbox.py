"""Restricted evaluation of the Python snippets in BPMN/DMN files (scripts, conditions, cells).

Diagrams, tables and forms are hostile input (administrators edit them in the browser), so every
snippet runs under three layers, each covering what the others cannot:

1. **Static checks** (`restricted.py`), once per distinct snippet (cached): no imports, no
   `_`-names or interpreter internals (the classic `().__class__.__base__.__subclasses__()`
   escapes), no `while`, no bare `except:`, `**` only with a small constant exponent (so
   `9**9**9` is refused when the diagram loads), f-string widths bounded.
2. **Size guards** (`guards.py`) on every operation whose result can be far larger than its
   operands: `+ - * % << **`, `int()`, `sum()`, `round()`, `range()` and the padding/joining
   methods (`'x'.ljust(10**9)` is refused *before* it allocates a gigabyte). They bound what one
   C-level call can do, which matters because nothing can interrupt a C call halfway.
3. **A watchdog** (`watchdog.py`): a monitor thread interrupts any evaluation that uses more than
   SCRIPT_CPU_SECONDS of its thread's CPU time or grows the process by more than
   SCRIPT_MEMORY_MB, at the next bytecode. That stops nested comprehensions, recursion and
   repeated copying, whatever form they take, with no per-iteration cost.

Why not the alternatives: a `sys.settrace` line budget slows every line and still cannot stop a
C call; RestrictedPython guards alone bound sizes but not time; running each expression in a
child process with OS limits is airtight but costs a process round trip and pickling the task
data for every gateway condition and DMN cell (hundreds per step). Here the hot path pays one
dict copy for the builtins and a registration with the watchdog (`make bench` → `bench_sandbox`
measures it). What remains: a single C call whose cost is superlinear in data the script built
within its limits (a hash-colliding set of crafted tuples or Decimals) runs to its end before
the watchdog can act; integers are capped at 2**60 so the easy version of that attack (integer
multiples of 2**61-1) is refused.
"""
from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from functools import lru_cache

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition

from .errors import ScriptSafetyError
from .guards import safe_builtins
from .limits import EngineLimits, handler_time
from .registry import Registry
from .restricted import check_code, compile_checked
from .watchdog import ScriptLimitExceeded, call_limited

__all__ = ["SandboxedEnvironment", "ScriptEngine", "ScriptLimitExceeded", "check_code",
           "compile_checked", "safe_builtins"]


def _visible(key) -> bool:
    """True for task-data keys that scripts may see (never `_`-prefixed ones like __builtins__)."""
    return isinstance(key, str) and not key.startswith("_")


class SandboxedEnvironment(TaskDataEnvironment):
    """TaskDataEnvironment that checks code and runs it with a fresh, restricted global scope."""

    def __init__(self, limits: EngineLimits | None = None):
        super().__init__()
        self.limits = limits or EngineLimits()

    def evaluate(self, expression, context, external_context=None):
        """Evaluate an expression on task data (builtin eval also ignores leading blanks)."""
        code = compile_checked((expression or "").lstrip(" \t"), "eval")
        limits = self.limits
        return call_limited(limits.script_cpu_seconds, limits.script_memory_mb,
                            eval, code, self._scope(context, external_context))

    def execute(self, script, context, external_context=None):
        """Run a script and copy the plain data it leaves back into task data."""
        code = compile_checked(script or "", "exec")
        scope = self._scope(context, external_context)
        data_keys = {key for key in context if _visible(key)}
        limits = self.limits
        try:
            call_limited(limits.script_cpu_seconds, limits.script_memory_mb, exec, code, scope)
        finally:  # also after an error, as the base class leaves partial changes in task data
            self._write_back(context, scope, data_keys, external_context or {})
        return True

    @staticmethod
    def _scope(context, external_context) -> dict:
        """Build the globals for one evaluation: data objects, then task data, then builtins.

        Keys starting with '_' are copied too (plain dict copies are the cheapest), but code can
        never name them, and `__builtins__` is always replaced by our own.
        """
        scope = dict(external_context) if external_context else {}
        scope.update(context)
        scope["__builtins__"] = safe_builtins()
        return scope

    @staticmethod
    def _write_back(context, scope, data_keys, external_context) -> None:
        """Update task data from the script's globals, leaving out functions and iterators."""
        for key in data_keys - scope.keys():  # `del x` in the script
            context.pop(key, None)
        for key, value in scope.items():
            if not _visible(key) or (key in external_context and key not in data_keys):
                continue
            # Like the base class: functions/classes never stay in task data; iterators such as
            # map() or range() would break serialization later.
            if callable(value) or isinstance(value, (range, Iterator)):
                context.pop(key, None)
            else:
                context[key] = value


@lru_cache(maxsize=4096)
def _parses(expression: str) -> bool:
    """`ast.parse` the text once (a SyntaxError is raised every time: exceptions are not cached)."""
    ast.parse(expression)
    return True


class ScriptEngine(PythonScriptEngine):
    """Script engine with the sandbox, its limits, and service tasks dispatched to the registered handlers."""

    def __init__(self, registry: Registry | None = None, limits: EngineLimits | None = None):
        self.limits = limits or EngineLimits()
        super().__init__(environment=SandboxedEnvironment(self.limits))
        self.registry = registry if registry is not None else Registry()

    def validate(self, expression):
        """Check the syntax of an expression (a DMN cell before each evaluation): parsed once per text."""
        _parses(expression)

    def evaluate(self, task, expression, external_context=None):
        """Evaluate like the base class, but keep the reason in the message (it drops it)."""
        try:
            result = super().evaluate(task, expression, external_context)
        except WorkflowTaskException as err:
            cause = err.__context__
            if cause is not None and not isinstance(cause, (NameError, WorkflowTaskException)):
                err.add_note(f"{cause.__class__.__name__}: {cause}")
            raise
        definition = getattr(getattr(task, "task_spec", None), "event_definition", None)
        if isinstance(definition, CycleTimerEventDefinition) and expression == definition.expression:
            self._check_cycle(task, result)
        return result

    def _check_cycle(self, task, value) -> None:
        """A cycle timer's value must repeat a bounded number of times, not too often."""
        try:
            cycles, _start, interval = TimerEventDefinition.parse_iso_recurring_interval(value)
        except Exception:  # noqa: BLE001 - SpiffWorkflow reports a malformed cycle itself
            return
        problem = self.limits.check_cycle(cycles, interval)
        if problem:
            raise WorkflowTaskException(f"timer cycle {value!r}: {problem}", task=task)

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        """Call the registered handler and return its result as a JSON string."""
        try:
            handler = self.registry.handler(operation_name)
        except KeyError:
            raise WorkflowTaskException(
                f"Unknown service operation {operation_name!r}: no handler is registered under "
                f"that name", task=task) from None
        arguments = {name: param["value"] for name, param in (operation_params or {}).items()}
        try:
            with handler_time():
                result = handler.func(**arguments)
            return json.dumps(result, default=str)
        except Exception as err:  # the library's own error branch is broken (engine notes)
            raise WorkflowTaskException(
                f"Service {operation_name} failed: {err}", task=task, exception=err) from err

    def get_error_line_number_and_content(self, script, err):
        """Also report the line of code the sandbox refused."""
        if isinstance(err, ScriptSafetyError) and err.lineno and script:
            lines = script.splitlines() + [""]
            return err.lineno, lines[min(err.lineno, len(lines)) - 1]
        return super().get_error_line_number_and_content(script, err)

