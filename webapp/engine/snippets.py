"""Find the Python snippets in BPMN/DMN XML and check them with the sandbox before anything runs.

Works on the XML rather than the parsed specs, so that every error carries the file line of the
element it came from. The list of places mirrors what SpiffWorkflow's parsers hand to the
script engine.
"""
from __future__ import annotations

import ast
import re

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition as Timer

from .errors import ScriptSafetyError
from .limits import EngineLimits
from .restricted import check_code, compile_checked
from .sandbox import SandboxedEnvironment

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
NS = {"bpmn": BPMN[1:-1], "spiff": SPIFF[1:-1]}

# (xpath, mode) of every Python snippet the BPMN parsers hand to the script engine.
BPMN_SNIPPETS = [
    (".//bpmn:scriptTask/bpmn:script | .//spiff:preScript | .//spiff:postScript", "exec"),
    (".//bpmn:conditionExpression | .//bpmn:loopCardinality | .//bpmn:completionCondition"
     " | .//bpmn:loopCondition | .//bpmn:conditionalEventDefinition/bpmn:condition"
     " | .//spiff:messagePayload | .//spiff:processVariableCorrelation/spiff:expression"
     " | .//bpmn:correlationPropertyRetrievalExpression/*", "eval"),
    (".//bpmn:timeDuration | .//bpmn:timeDate | .//bpmn:timeCycle", "timer"),
]
TIMER_PARSERS = {"timeDuration": Timer.parse_iso_duration, "timeDate": Timer.parse_time_or_duration,
                 "timeCycle": Timer.parse_iso_recurring_interval}
# `P5D` or `PT1H` is a valid Python name, so an unquoted duration only fails when the timer runs.
ISO_NAME = re.compile(r"P(?:\d+[YMWD])+(?:T(?:\d+[HMS])+)?|PT(?:\d+[HMS])+|R\d*")
DMN_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")  # as DMNEngine


def check_snippet(text: str, mode: str, element: etree._Element) -> None:
    """Check one snippet; timers must also be a quoted ISO 8601 string or an expression."""
    if mode != "timer":
        compile_checked(text.lstrip(" \t") if mode == "eval" else text, mode)
        return
    compile_checked(text.lstrip(" \t"), "eval")
    body = check_code(text.lstrip(" \t"), "eval").body
    for node in ast.walk(body):
        if isinstance(node, ast.Name) and ISO_NAME.fullmatch(node.id):
            raise ScriptSafetyError(f"'{node.id}' looks like an unquoted ISO 8601 value: write "
                                    f"\"{node.id}\" with quotes (or use a variable name)", 1)
    if isinstance(body, ast.Constant):
        kind = element.tag.split("}")[-1]
        try:
            TIMER_PARSERS[kind](body.value)
        except Exception:
            raise ScriptSafetyError(f"{body.value!r} is not a valid ISO 8601 {kind}", 1) from None


def check_bounds(text: str, element: etree._Element, limits: EngineLimits) -> None:
    """Hold a constant multi-instance count or timer cycle to the limits ('10 ** 7', 'R/PT0S').

    Expressions that read process data are checked when they run (see bounded.py, sandbox.py).
    """
    kind = element.tag.split("}")[-1]
    if kind not in ("loopCardinality", "timeCycle"):
        return
    value = _constant_value(text)
    if kind == "loopCardinality" and isinstance(value, int) and not isinstance(value, bool):
        problem = limits.check_instances(value)
    elif kind == "timeCycle" and isinstance(value, str):
        cycles, _start, interval = Timer.parse_iso_recurring_interval(value)  # parsed before: valid
        problem = limits.check_cycle(cycles, interval)
    else:
        problem = None
    if problem:
        raise ScriptSafetyError(problem, 1)


def _constant_value(text: str) -> object:
    """The value of an expression that reads no data ('500', '10 ** 7', '"R3/P1D"'), else None."""
    tree = check_code(text.strip(), "eval")
    if any(isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)) for node in ast.walk(tree)):
        return None
    try:
        return SandboxedEnvironment().evaluate(text.strip(), {})
    except Exception:  # noqa: BLE001 - a constant that fails (1/0) fails again when it runs
        return None


def snippets(root: etree._Element):
    """Yield (line element, owner element, text, mode, text-is-element-text) for each snippet."""
    for xpath, mode in BPMN_SNIPPETS:
        for el in root.xpath(xpath, namespaces=NS):
            if el.text and el.text.strip():
                yield el, _owner(el), el.text, mode, True
    for el in root.iter(f"{SPIFF}parameter"):
        if el.get("value") is not None:
            yield el, _owner(el), el.get("value"), "eval", False
    for table in root.iter("{*}decisionTable"):
        yield from _dmn_snippets(table)


def _dmn_snippets(table: etree._Element):
    """Yield the DMN input expressions, input cells (as DMNEngine combines them) and outputs."""
    inputs = [el.findtext("{*}inputExpression/{*}text") for el in table.findall("{*}input")]
    for el in table.iterfind("{*}input/{*}inputExpression/{*}text"):
        yield el, el.getparent(), el.text or "", "eval", True
    for rule in table.iterfind("{*}rule"):
        for expr, entry in zip(inputs, rule.findall("{*}inputEntry")):
            cell = entry.findtext("{*}text")
            if expr and cell is not None and cell != "-":
                for code in _dmn_match(expr, cell):
                    yield entry, entry, code, "eval", False
        for entry in rule.iterfind("{*}outputEntry"):
            if entry.findtext("{*}text"):
                yield entry, entry, entry.findtext("{*}text"), "eval", False


def _dmn_match(input_expr: str, cell: str) -> list[str]:
    """Return the expressions DMNEngine evaluates for one input cell."""
    match = DMN_QUESTION_MARK.sub("dmninputexpr", cell)
    if "dmninputexpr" in match:
        return [input_expr, match]
    try:
        ast.parse(match)  # a plain value means equality; `< 45` is appended to the input
        return [f"({input_expr}) == ({match})"]
    except SyntaxError:
        return [input_expr + match]


def _owner(el: etree._Element) -> etree._Element:
    """Return the nearest enclosing BPMN element with an id (the task, flow or event)."""
    for candidate in el.iterancestors():
        name = candidate.tag.split("}")[-1]
        if candidate.get("id") and not name.endswith(("EventDefinition", "LoopCharacteristics")):
            return candidate
    return el


def owner_key(el: etree._Element) -> str | None:
    """Return the process id (or "decision:<id>") that a snippet's element belongs to."""
    for candidate in [el, *el.iterancestors()]:
        if candidate.tag == f"{BPMN}process":
            return candidate.get("id")
        if candidate.tag.endswith("}decision"):
            return f"decision:{candidate.get('id')}"
    return None
