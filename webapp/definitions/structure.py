"""Checks of diagrams and tables beyond what the loader does at startup.

Each works on the parsed XML, so every problem names the file line and element:
lanes that name no role; step properties (unknown names, forms that do not load, panels nobody
registered, expressions and templates that do not compile in the sandbox); loops through which
the engine would spin without ever waiting; DMN outputs whose values do not have the declared type.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator

from flask import current_app
from jinja2 import TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from ..engine.errors import ScriptSafetyError
from ..engine.snippets import BPMN, SPIFF, check_snippet
from ..forms import FormFileError, FormLibrary
from ..roles import Role
from .problems import Problem

KNOWN_PROPERTIES = {"formJsonSchemaFilename", "formUiSchemaFilename", "nameEn", "instructionsEn", "dueIn",
                    "assignee", "panel", "secretHandler"}
# Elements at which a running process stops until a person, a timer or a message moves it on.
WAIT_STATES = {"userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "eventBasedGateway",
               "callActivity", "subProcess"}
_JINJA = ImmutableSandboxedEnvironment()
_DMN_TYPES = {
    "integer": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "long": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "double": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "number": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "boolean": (lambda v: isinstance(v, bool), "True or False"),
    "string": (lambda v: isinstance(v, str), "a quoted text"),
}


def check_bpmn(filename: str, tree: etree._ElementTree, forms: FormLibrary) -> list[Problem]:
    """Lanes, step properties and loops of one BPMN file."""
    root = tree.getroot()
    problems = list(_lanes(filename, root))
    for task in root.iter(f"{BPMN}userTask"):
        problems += _user_task(filename, task, forms)
    for process in root.iter(f"{BPMN}process", f"{BPMN}subProcess"):
        problems += _loops(filename, process)
    return problems


def _problem(filename: str, el: etree._Element, message: str, line: int | None = None) -> Problem:
    owner = el if el.get("id") else next((a for a in el.iterancestors() if a.get("id")), el)
    return Problem(filename, line or el.sourceline, owner.get("id"), message)


def _lanes(filename: str, root: etree._Element) -> Iterator[Problem]:
    """A lane holding a user task must name a role (the lane's name is who does the step)."""
    roles = {role.value for role in Role}
    user_tasks = {el.get("id") for el in root.iter(f"{BPMN}userTask", f"{BPMN}manualTask")}
    for lane in root.iter(f"{BPMN}lane"):
        refs = {ref.text for ref in lane.iter(f"{BPMN}flowNodeRef")}
        if refs & user_tasks and lane.get("name") not in roles:
            yield _problem(filename, lane, f"lane '{lane.get('name')}' holds steps but names no role "
                           f"(one of: {', '.join(sorted(roles))})")


def _user_task(filename: str, task: etree._Element, forms: FormLibrary) -> list[Problem]:
    """The spiffworkflow properties of one user task."""
    problems = []
    for prop in task.iter(f"{SPIFF}property"):
        name, value = prop.get("name"), prop.get("value") or ""
        if name not in KNOWN_PROPERTIES:
            problems.append(_problem(filename, prop, f"unknown property '{name}' "
                                     f"(known: {', '.join(sorted(KNOWN_PROPERTIES))})"))
        elif name in ("formJsonSchemaFilename", "formUiSchemaFilename") and value:
            problems += _form(filename, prop, value, forms, ui=name == "formUiSchemaFilename")
        elif name == "panel" and value and value not in _registered_panels():
            problems.append(_problem(filename, prop, f"panel '{value}' is not registered "
                                     f"(known: {', '.join(sorted(_registered_panels())) or 'none'})"))
        elif name in ("dueIn", "assignee") and value.strip():
            problems += _expression(filename, prop, name, value)
        elif name == "instructionsEn":
            problems += _template(filename, prop, value, prop.sourceline)
    for el in task.iter(f"{SPIFF}instructionsForEndUser"):
        problems += _template(filename, el, el.text or "", el.sourceline)
    return problems


def _registered_panels() -> set[str]:
    """Panels the processes declared (the engine's registry)."""
    return set(current_app.extensions["workflow_engine"].registry.panels)


def _form(filename: str, prop, name: str, forms: FormLibrary, ui: bool) -> list[Problem]:
    try:
        forms.ui_schema(name) if ui else forms.schema(name)
    except FormFileError as error:
        return [_problem(filename, prop, f"form '{name}' cannot be used: {error.message}")]
    return []


def _expression(filename: str, prop, name: str, value: str) -> list[Problem]:
    """`dueIn` is a time expression (a quoted ISO 8601 value or a variable); `assignee` any expression."""
    mode, element = ("timer", etree.Element(f"{BPMN}timeDate")) if name == "dueIn" else ("eval", prop)
    try:
        check_snippet(value, mode, element)
    except ScriptSafetyError as error:
        return [_problem(filename, prop, f"{name}: {error.message}")]
    return []


def _template(filename: str, el, text: str, line: int) -> list[Problem]:
    """Instructions are Jinja templates rendered in a sandbox: they must at least compile."""
    try:
        _JINJA.parse(text)
    except TemplateSyntaxError as error:
        return [_problem(filename, el, f"instructions: {error.message}", line + (error.lineno or 1) - 1)]
    return []


def _loops(filename: str, container: etree._Element) -> list[Problem]:
    """A cycle of sequence flows with no wait state would make the engine spin without end."""
    nodes = {el.get("id"): el for el in container if el.get("id") and _is_flow_node(el)}
    edges: dict[str, list[str]] = {node: [] for node in nodes}
    for flow in container.iterfind(f"{BPMN}sequenceFlow"):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in edges and target in nodes:
            edges[source].append(target)
    problems = []
    for component in _cycles(edges):
        if not any(_local(nodes[node]) in WAIT_STATES for node in component):
            first = next((n for n in sorted(component) if "Gateway" in _local(nodes[n])), sorted(component)[0])
            path = " → ".join(sorted(component))
            problems.append(_problem(filename, nodes[first], f"the loop {path} has no step that waits for a "
                                     "person, a timer or a message: the engine would run it without end"))
    return problems


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _is_flow_node(el: etree._Element) -> bool:
    name = _local(el)
    return name not in ("sequenceFlow", "laneSet", "extensionElements", "dataObject", "dataObjectReference",
                        "textAnnotation", "association", "boundaryEvent")


def _cycles(edges: dict[str, list[str]]) -> list[set[str]]:
    """Strongly connected components that contain a cycle (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    found.append(component)
    return found


def check_dmn(filename: str, tree: etree._ElementTree) -> list[Problem]:
    """Every literal output cell must have its column's declared type (an integer column gets 5, not "5")."""
    problems = []
    for table in tree.getroot().iter("{*}decisionTable"):
        outputs = table.findall("{*}output")
        for rule in table.iterfind("{*}rule"):
            for output, entry in zip(outputs, rule.findall("{*}outputEntry")):
                problem = _cell_type(filename, output, entry)
                if problem:
                    problems.append(problem)
    return problems


def _cell_type(filename: str, output, entry) -> Problem | None:
    type_ref = (output.get("typeRef") or "").lower()
    text = (entry.findtext("{*}text") or "").strip()
    if type_ref not in _DMN_TYPES or not text:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None  # an expression: its type is known only when it runs
    accepts, wanted = _DMN_TYPES[type_ref]
    if accepts(value):
        return None
    column = output.get("name") or output.get("label") or output.get("id")
    return Problem(filename, entry.sourceline, entry.get("id"),
                   f"output '{column}' is declared {type_ref} but this cell gives {text} "
                   f"({type(value).__name__}); write {wanted}")
