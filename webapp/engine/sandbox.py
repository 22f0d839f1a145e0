"""Restricted evaluation of the Python snippets in BPMN/DMN files (scripts, conditions, cells).

The default engine runs anything and bare ``__builtins__`` limits are escapable via dunders, so
every snippet is parsed with ``ast`` and refused if it imports, touches ``_``-names or interpreter
internals, or loops with ``while``; ``*``, ``**``, ``<<`` become size-checked calls. CPU time of
``for`` loops is NOT bounded: run engine steps in a worker with time/memory limits too.
"""
from __future__ import annotations

import ast
import builtins
import copy
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .errors import ScriptSafetyError
from .registry import Registry

MAX_SOURCE_CHARS, MAX_EXPONENT, MAX_CONSTANT_REPEAT, MAX_RANGE_ITEMS = 10_000, 64, 10_000, 100_000
MAX_SEQUENCE_ITEMS = 1_000_000  # run-time cap on the length produced by `seq * n`
MAX_INT_BITS = 1_000_000  # run-time cap on ints produced by *, ** and <<

BUILTIN_NAMES = (
    "abs all any bool dict enumerate filter float int isinstance len list map max min "
    "reversed round set sorted str sum tuple zip "
    # Exception classes so scripts can fail a task on purpose or catch arithmetic errors;
    # SystemExit/KeyboardInterrupt/BaseException stay out, so `raise SystemExit` is a NameError.
    "Exception ValueError KeyError IndexError TypeError ZeroDivisionError").split()

# Attributes without a leading underscore that still reach interpreter internals: frames of
# generators/tracebacks (-> f_globals -> real builtins), code objects, str.format's own
# attribute lookup ("{0.__class__}"), and mro() which hands out `object`.
DENIED_ATTRIBUTES = frozenset(
    "format format_map mro gi_frame gi_code gi_yieldfrom cr_frame cr_code cr_await cr_origin "
    "ag_frame ag_code ag_await f_back f_builtins f_code f_globals f_locals f_trace "
    "tb_frame tb_next co_code func_globals func_code".split())

# Builtins deliberately left out, refused by name so the loader reports them before a run.
DENIED_NAMES = frozenset(
    "getattr setattr delattr eval exec compile globals locals vars breakpoint exit quit "
    "memoryview SystemExit KeyboardInterrupt BaseException GeneratorExit".split())
FORBIDDEN_NODES = {
    ast.Import: "import", ast.ImportFrom: "import", ast.Global: "global", ast.Nonlocal: "nonlocal",
    ast.While: "while loops", ast.ClassDef: "class definitions", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Await: "await", ast.AsyncFunctionDef: "async functions",
    ast.AsyncFor: "async for", ast.AsyncWith: "async with", ast.Match: "match statements"}
NAME_FIELDS = {ast.Name: "id", ast.Attribute: "attr", ast.arg: "arg", ast.keyword: "arg",
               ast.FunctionDef: "name", ast.ExceptHandler: "name"}  # field holding the name
GUARDED_OPS = {ast.Mult: "_sbx_mul", ast.Pow: "_sbx_pow", ast.LShift: "_sbx_lshift"}


def check_code(source: str, mode: str) -> ast.AST:
    """Parse ``source`` ('eval' or 'exec') and raise ScriptSafetyError unless it is allowed."""
    if len(source) > MAX_SOURCE_CHARS:
        raise ScriptSafetyError(f"code is longer than {MAX_SOURCE_CHARS} characters", None)
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as err:
        raise ScriptSafetyError(f"syntax error: {err.msg}", err.lineno) from err
    except (RecursionError, MemoryError, ValueError) as err:  # absurd nesting, NUL bytes
        raise ScriptSafetyError(f"cannot parse code: {err.__class__.__name__}", None) from err
    for node in ast.walk(tree):
        _check_node(node)
    return tree


def _fail(node: ast.AST, message: str) -> None:
    """Raise ScriptSafetyError for ``node``."""
    raise ScriptSafetyError(message, getattr(node, "lineno", None))


def _check_node(node: ast.AST) -> None:
    """Reject one AST node that could escape the sandbox or exhaust the worker."""
    kind = FORBIDDEN_NODES.get(type(node))
    if kind:
        _fail(node, f"{kind} not allowed")
    field = NAME_FIELDS.get(type(node))
    name = getattr(node, field) if field else None
    if name and name.startswith("_"):
        _fail(node, f"names starting with '_' are not allowed: {name}")
    if isinstance(node, ast.Name) and node.id in DENIED_NAMES:
        _fail(node, f"'{node.id}' is not available in scripts")
    if isinstance(node, ast.Attribute) and node.attr in DENIED_ATTRIBUTES:
        hint = " (use an f-string)" if node.attr.startswith("format") else ""
        _fail(node, f"attribute '{node.attr}' is not allowed{hint}")
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        _check_operator(node)


def _check_operator(node: ast.BinOp | ast.AugAssign) -> None:
    """Reject exponent and repetition bombs that are visible in the source."""
    right = node.right if isinstance(node, ast.BinOp) else node.value
    if isinstance(node.op, ast.Pow):
        exponent = _constant_number(right)
        if exponent is None or abs(exponent) > MAX_EXPONENT:
            _fail(node, f"the exponent of ** must be a number constant of at most {MAX_EXPONENT}")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for seq, count in ((node.left, node.right), (node.right, node.left)):
            is_seq = isinstance(seq, (ast.List, ast.Tuple)) or (
                isinstance(seq, ast.Constant) and isinstance(seq.value, (str, bytes)))
            number = _constant_number(count)
            if is_seq and number is not None and number > MAX_CONSTANT_REPEAT:
                _fail(node, f"repetition by more than {MAX_CONSTANT_REPEAT} is not allowed")
    if isinstance(node, ast.AugAssign) and type(node.op) in GUARDED_OPS:
        if not _simple_target(node.target):
            _fail(node, "augmented *=, **= or <<= only on a variable or x[key]; write x = x * y")


def _constant_number(node: ast.AST) -> int | float | None:
    """Return the value of a (possibly negated) int/float literal, else None."""
    sign = -1 if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) else 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    is_number = isinstance(node, ast.Constant) and type(node.value) in (int, float)
    return sign * node.value if is_number else None


def _simple_target(target: ast.AST) -> bool:
    """True for `x` or `x[k]` with a name/constant key: safe to evaluate twice."""
    return isinstance(target, ast.Name) or (
        isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
        and isinstance(target.slice, (ast.Name, ast.Constant)))


class _SizeGuards(ast.NodeTransformer):
    """Rewrite `a * b`, `a ** b`, `a << b` (and their augmented forms) into size-checked calls."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        """Replace a guarded binary operation with a call to its checker."""
        self.generic_visit(node)
        return _guard_call(node, node.left, node.right) if type(node.op) in GUARDED_OPS else node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        """Turn `x *= y` into `x = checker(x, y)` (targets were checked to be side-effect free)."""
        self.generic_visit(node)
        if type(node.op) not in GUARDED_OPS:
            return node
        current = copy.deepcopy(node.target)
        current.ctx = ast.Load()
        assign = ast.Assign([node.target], _guard_call(node, current, node.value))
        return ast.copy_location(assign, node)


def _guard_call(node: ast.AST, left: ast.AST, right: ast.AST) -> ast.Call:
    """Return the call `checker(left, right)` for the operator of ``node``."""
    checker = ast.Name(GUARDED_OPS[type(node.op)], ast.Load())
    return ast.copy_location(ast.Call(checker, [left, right], []), node)


@lru_cache(maxsize=1024)
def compile_checked(source: str, mode: str):
    """Check, guard and compile ``source``; cached because the same snippets run over and over."""
    tree = _SizeGuards().visit(check_code(source, mode))
    try:  # '<string>' lets SpiffWorkflow find the failing line in tracebacks
        return compile(ast.fix_missing_locations(tree), "<string>", mode)
    except SyntaxError as err:  # e.g. `return` outside a function: only compile() notices
        raise ScriptSafetyError(f"syntax error: {err.msg}", err.lineno) from err


def _sbx_mul(a, b):
    """`a * b`, refusing huge sequence repetitions and huge integers."""
    for seq, n in ((a, b), (b, a)):
        if isinstance(n, int) and isinstance(seq, (str, bytes, list, tuple)) \
                and len(seq) * n > MAX_SEQUENCE_ITEMS:
            raise ScriptSafetyError(f"result too large: over {MAX_SEQUENCE_ITEMS} items")
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise ScriptSafetyError("result too large: integer product")
    return a * b


def _sbx_pow(a, b):
    """`a ** b`, refusing integer results beyond MAX_INT_BITS."""
    if isinstance(a, int) and isinstance(b, int) and b > 0 and a.bit_length() * b > MAX_INT_BITS:
        raise ScriptSafetyError("result too large: integer power")
    return a ** b


def _sbx_lshift(a, b):
    """`a << b`, refusing integer results beyond MAX_INT_BITS."""
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b > MAX_INT_BITS:
        raise ScriptSafetyError("result too large: left shift")
    return a << b


class _BoundedRange:
    """`range()` refusing over MAX_RANGE_ITEMS items; slots, so scripts cannot set attributes."""

    __slots__ = ()

    def __call__(self, *args):
        """Return range(*args) if it is small enough."""
        result = range(*args)
        if len(result[:MAX_RANGE_ITEMS + 1]) > MAX_RANGE_ITEMS:  # len(result) may overflow
            raise ScriptSafetyError(f"result too large: range() over {MAX_RANGE_ITEMS} items")
        return result


def safe_builtins() -> dict:
    """Return a fresh builtins dict, so nothing one evaluation plants is seen by the next."""
    names = {name: getattr(builtins, name) for name in BUILTIN_NAMES}
    names.update(range=_BoundedRange(), date=date, datetime=datetime, timedelta=timedelta,
                 Decimal=Decimal, _sbx_mul=_sbx_mul, _sbx_pow=_sbx_pow, _sbx_lshift=_sbx_lshift)
    return names


def _visible(key) -> bool:
    """True for task-data keys that scripts may see (never `_`-prefixed ones like __builtins__)."""
    return isinstance(key, str) and not key.startswith("_")


class SandboxedEnvironment(TaskDataEnvironment):
    """TaskDataEnvironment that checks code and runs it with a fresh, restricted global scope."""

    def evaluate(self, expression, context, external_context=None):
        """Evaluate an expression on task data (builtin eval also ignores leading blanks)."""
        code = compile_checked((expression or "").lstrip(" \t"), "eval")
        return eval(code, self._scope(context, external_context))

    def execute(self, script, context, external_context=None):
        """Run a script and copy the plain data it leaves back into task data."""
        code = compile_checked(script or "", "exec")
        scope = self._scope(context, external_context)
        data_keys = {key for key in context if _visible(key)}
        try:
            exec(code, scope)
        finally:  # also after an error, as the base class leaves partial changes in task data
            self._write_back(context, scope, data_keys, external_context or {})
        return True

    def _scope(self, context, external_context) -> dict:
        """Build the globals for one evaluation: data objects, then task data, then builtins."""
        scope = {k: v for k, v in (external_context or {}).items() if _visible(k)}
        scope.update((k, v) for k, v in context.items() if _visible(k))
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


class ScriptEngine(PythonScriptEngine):
    """Script engine with the sandbox and service tasks dispatched to the registered handlers."""

    def __init__(self, registry: Registry | None = None):
        super().__init__(environment=SandboxedEnvironment())
        self.registry = registry if registry is not None else Registry()

    def evaluate(self, task, expression, external_context=None):
        """Evaluate like the base class, but keep the reason in the message (it drops it)."""
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as err:
            cause = err.__context__
            if cause is not None and not isinstance(cause, (NameError, WorkflowTaskException)):
                err.add_note(f"{cause.__class__.__name__}: {cause}")
            raise

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
            return json.dumps(handler.func(**arguments), default=str)
        except Exception as err:  # the library's own error branch is broken (engine notes)
            raise WorkflowTaskException(
                f"Service {operation_name} failed: {err}", task=task, exception=err) from err

    def get_error_line_number_and_content(self, script, err):
        """Also report the line of code the sandbox refused."""
        if isinstance(err, ScriptSafetyError) and err.lineno and script:
            lines = script.splitlines() + [""]
            return err.lineno, lines[min(err.lineno, len(lines)) - 1]
        return super().get_error_line_number_and_content(script, err)

