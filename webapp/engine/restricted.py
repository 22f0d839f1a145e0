"""The static half of the sandbox: check a snippet's syntax tree, insert size guards, compile.

A snippet is refused if it imports, touches `_`-names or interpreter internals, loops with
`while`, or catches everything with a bare `except:` (that would swallow the watchdog's stop).
Operations whose result can be far larger than their operands become calls to the checkers in
`guards.py`: `+ - * % ** <<`, `int(...)`, f-string format specs, and the methods in
`guards.METHOD_GUARDS` (`'x'.ljust(10**9)`, `sep.join(...)`, ...), which must be called directly.
"""
from __future__ import annotations

import ast
import copy
import re
from functools import lru_cache

from .errors import ScriptSafetyError
from .guards import MAX_FORMAT_WIDTH, METHOD_GUARDS

MAX_SOURCE_CHARS, MAX_EXPONENT, MAX_CONSTANT_REPEAT = 10_000, 64, 10_000

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
    ast.AsyncFor: "async for", ast.AsyncWith: "async with", ast.Match: "match statements",
    ast.TryStar: "except*"}
NAME_FIELDS = {ast.Name: "id", ast.Attribute: "attr", ast.arg: "arg", ast.keyword: "arg",
               ast.FunctionDef: "name", ast.ExceptHandler: "name"}  # field holding the name
GUARDED_OPS = {ast.Add: "_sbx_add", ast.Sub: "_sbx_sub", ast.Mult: "_sbx_mul", ast.Mod: "_sbx_mod",
               ast.Pow: "_sbx_pow", ast.LShift: "_sbx_lshift"}
# Augmented forms keep in-place semantics (`items += [x]` extends the same list).
GUARDED_AUG_OPS = {**GUARDED_OPS, ast.Add: "_sbx_iadd", ast.Mult: "_sbx_imul"}
# Widths and precisions in a format spec such as ">20", "08.3f" or ",.2f".
SPEC_NUMBER = re.compile(r"\d+")


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
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        _check_node(node, called)
    return tree


def _fail(node: ast.AST, message: str) -> None:
    """Raise ScriptSafetyError for ``node``."""
    raise ScriptSafetyError(message, getattr(node, "lineno", None))


def _check_node(node: ast.AST, called: set[int]) -> None:
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
    if isinstance(node, ast.Attribute):
        if node.attr in DENIED_ATTRIBUTES:
            hint = " (use an f-string)" if node.attr.startswith("format") else ""
            _fail(node, f"attribute '{node.attr}' is not allowed{hint}")
        if node.attr in METHOD_GUARDS and id(node) not in called:
            _fail(node, f"the method '{node.attr}' must be called directly (its result is size-checked)")
    if isinstance(node, ast.ExceptHandler) and node.type is None:
        _fail(node, "a bare 'except:' is not allowed: name the exceptions (e.g. 'except ValueError:')")
    if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        _check_format_spec(node)
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        _check_operator(node)


def _check_format_spec(node: ast.FormattedValue) -> None:
    """f-string format specs must be constant and of modest width ('{x:>1000000000}' is not)."""
    parts = node.format_spec.values if isinstance(node.format_spec, ast.JoinedStr) else []
    if not all(isinstance(part, ast.Constant) for part in parts):
        _fail(node, "format specs in f-strings must be constant (no '{x:{width}}')")
    spec = "".join(str(part.value) for part in parts)
    if any(int(number) > MAX_FORMAT_WIDTH for number in SPEC_NUMBER.findall(spec)):
        _fail(node, f"format widths and precisions above {MAX_FORMAT_WIDTH} are not allowed")


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
    if isinstance(node, ast.AugAssign) and type(node.op) in GUARDED_AUG_OPS:
        if not _simple_target(node.target):
            _fail(node, "augmented assignment (+=, *=, ...) only on a variable or x[key]; "
                        "write x = x + y")


def _constant_number(node: ast.AST) -> int | float | None:
    """Return the value of a (possibly negated) int/float literal, else None."""
    sign = -1 if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) else 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    is_number = isinstance(node, ast.Constant) and type(node.value) in (int, float)
    return sign * node.value if is_number else None


def _simple_target(target: ast.AST) -> bool:
    """True for `x`, `x[k]`, `x[k][j]`, ... with name/constant keys: safe to evaluate twice."""
    while isinstance(target, ast.Subscript) and isinstance(target.slice, (ast.Name, ast.Constant)):
        target = target.value
    return isinstance(target, ast.Name)


class _SizeGuards(ast.NodeTransformer):
    """Rewrite size-amplifying operations into calls to their checkers (see guards.py)."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        """Replace a guarded binary operation with a call to its checker."""
        self.generic_visit(node)
        checker = GUARDED_OPS.get(type(node.op))
        return _call(node, checker, [node.left, node.right]) if checker else node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        """Turn `x += y` into `x = checker(x, y)` (targets were checked to be side-effect free)."""
        self.generic_visit(node)
        checker = GUARDED_AUG_OPS.get(type(node.op))
        if checker is None:
            return node
        current = copy.deepcopy(node.target)
        current.ctx = ast.Load()
        assign = ast.Assign([node.target], _call(node, checker, [current, node.value]))
        return ast.copy_location(assign, node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        """`s.ljust(n)` -> `_sbx_method(s, 'ljust', n)`; `int(x)` -> `_sbx_int(x)`."""
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in METHOD_GUARDS:
            args = [func.value, ast.Constant(func.attr), *node.args]
            return ast.copy_location(ast.Call(ast.Name("_sbx_method", ast.Load()), args, node.keywords), node)
        if isinstance(func, ast.Name) and func.id == "int":
            return ast.copy_location(ast.Call(ast.Name("_sbx_int", ast.Load()), node.args, node.keywords), node)
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        """A value with a format spec is checked first (a Decimal '1E+999999999' with ':f')."""
        self.generic_visit(node)
        if node.format_spec is not None:
            node.value = _call(node.value, "_sbx_formatted", [node.value])
        return node


def _call(node: ast.AST, checker: str, args: list[ast.AST]) -> ast.Call:
    """Return the call `checker(*args)` located at ``node``."""
    return ast.copy_location(ast.Call(ast.Name(checker, ast.Load()), args, []), node)


@lru_cache(maxsize=1024)
def compile_checked(source: str, mode: str):
    """Check, guard and compile ``source``; cached because the same snippets run over and over."""
    tree = _SizeGuards().visit(check_code(source, mode))
    try:  # '<string>' lets SpiffWorkflow find the failing line in tracebacks
        return compile(ast.fix_missing_locations(tree), "<string>", mode)
    except SyntaxError as err:  # e.g. `return` outside a function: only compile() notices
        raise ScriptSafetyError(f"syntax error: {err.msg}", err.lineno) from err
