"""Load the BPMN/DMN files of a workflows directory into a checked ProcessLibrary.

Every problem is collected as a WorkflowFileError (file, line, element id) instead of stopping at
the first one, so an administrator sees all of them at once. A process with an error of its own,
or that calls/uses something with an error, cannot be started (``spec()`` raises). Besides the
parser's own checks: the sandbox checks every snippet, constant multi-instance counts and timer
cycles are held to the EngineLimits, and every form a user task names must exist and be valid
(checked through ``form_checker``, so a bad form is found now, not when the task is first opened).
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from .bounded import BoundedBpmnParser
from .errors import ScriptSafetyError, WorkflowFileError
from .limits import EngineLimits
from .snippets import BPMN, SPIFF, check_bounds, check_snippet, owner_key, snippets
from .xsd_messages import describe_schema_error, describe_syntax_error

MAX_FILE_BYTES = 2 * 1024 * 1024
FORM_PROPERTIES = {"formJsonSchemaFilename": False, "formUiSchemaFilename": True}  # name -> is a UI schema
# Given a form file name and whether it is a UI schema, what is wrong with it (None: nothing).
FormChecker = Callable[[str, bool], "str | None"]


def parse_xml_bytes(data: bytes, filename: str) -> etree._ElementTree:
    """Parse an uploaded BPMN/DMN file from bytes, refusing DOCTYPEs (entities) and huge files."""
    if len(data) > MAX_FILE_BYTES:
        raise WorkflowFileError(filename, None, None, "file is larger than 2 MB")
    found = re.search(rb"<!DOCTYPE", data, re.IGNORECASE)
    if found:  # entities (internal or external) can inject script text or read local files
        line = data.count(b"\n", 0, found.start()) + 1
        raise WorkflowFileError(filename, line, None, "DOCTYPE declarations are not allowed")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=False)
    try:
        tree = etree.parse(io.BytesIO(data), parser)
    except etree.XMLSyntaxError as err:
        # err.error_log may still hold entries of an earlier failed parse in this thread: the
        # exception's own line comes first.
        first = err.error_log[0] if len(err.error_log) else None
        line = err.lineno or (first.line if first is not None else None)
        message = describe_syntax_error(err.msg, line) or f"malformed XML: {err.msg}"
        raise WorkflowFileError(filename, line, None, message) from None
    # The byte check misses other encodings (UTF-16): the parsed tree tells the truth.
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise WorkflowFileError(filename, None, None, "DOCTYPE declarations are not allowed")
    return tree


class ProcessLibrary:
    """The parsed and checked processes of one workflows directory."""

    def __init__(self, handler_names: frozenset[str] = frozenset(), limits: EngineLimits | None = None) -> None:
        self.parser = BoundedBpmnParser(validator=VALIDATOR)
        self.handler_names = handler_names  # registered service-task functions (engine.registry)
        self.limits = limits or EngineLimits()
        self.errors: list[WorkflowFileError] = []
        self.trees: dict[str, etree._ElementTree] = {}
        # process id (or "decision:<id>") -> the error that makes it unusable
        self.broken: dict[str, WorkflowFileError] = {}
        self._all_ids: list[str] = []

    def process_ids(self) -> list[str]:
        """Return the executable top-level processes that loaded without errors."""
        return [pid for pid in self._all_ids if pid not in self.broken]

    def process_name(self, process_id: str) -> str:
        """Return the process's name attribute (its id when it has none)."""
        return self._process_parser(process_id).get_name()

    def process_name_en(self, process_id: str) -> str | None:
        """The process's English name: the ``nameEn`` property on the process element, if any."""
        node = self._process_parser(process_id).node
        for prop in node.iterfind(f"{BPMN}extensionElements/{SPIFF}properties/{SPIFF}property"):
            if prop.get("name") == "nameEn":
                return prop.get("value") or None
        return None

    def source_file(self, process_id: str) -> str:
        """Return the file (relative to the workflows directory) defining the process."""
        return self._process_parser(process_id).filename

    def spec(self, process_id: str):
        """Return (spec, subprocess_specs) for BpmnWorkflow; WorkflowFileError if unusable."""
        self._process_parser(process_id)
        if process_id in self.broken:
            err = self.broken[process_id]
            raise WorkflowFileError(err.filename, err.line, err.element_id, err.message)
        try:
            return self.parser.get_spec(process_id), self.parser.get_subprocess_specs(process_id)
        except RecursionError:
            raise WorkflowFileError(self.source_file(process_id), None, process_id,
                                    "calls are nested too deeply") from None

    def _process_parser(self, process_id: str):
        """Return the library parser of a top-level process or raise KeyError."""
        if process_id not in self._all_ids:
            raise KeyError(process_id)
        return self.parser.process_parsers[process_id]

    def _record(self, err: WorkflowFileError, owner: str | None = None) -> None:
        """Remember an error once, and mark its process/decision unusable."""
        if str(err) not in {str(known) for known in self.errors}:
            self.errors.append(err)
        if owner:
            self.broken.setdefault(owner, err)

    def _flag(self, filename: str, element, message: str, owner: str | None, line=None) -> None:
        """Record an error located at ``element`` (or at ``line``) of ``filename``."""
        error = WorkflowFileError(filename, line or element.sourceline, element.get("id"), message)
        self._record(error, owner)

    def _error_from(self, exc: Exception, default_file: str) -> WorkflowFileError:
        """Turn a parser exception into a WorkflowFileError with file, line and element id."""
        if not isinstance(exc, ValidationException):
            what = "nested too deeply" if isinstance(exc, RecursionError) else repr(exc)
            return WorkflowFileError(default_file, None, None, f"cannot parse: {what}")
        filename = exc.file_name or default_file
        tree = self.trees.get(filename)
        element_id, line = exc.id or None, exc.line_number or None
        if tree is not None and element_id and not line:  # the library reads the wrong attribute
            found = tree.xpath("//*[@id=$id]", id=element_id)
            line = found[0].sourceline if found else None
        if tree is not None and line and not element_id:  # schema errors only give a line
            element_id = next((el.get("id") for el in tree.iter()
                               if el.sourceline == line and el.get("id")), None)
        message = (str(exc.args[0]) if exc.args else str(exc)).replace(BPMN, "bpmn:")
        message = describe_schema_error(message, tree, int(line) if line else None)
        if message.startswith("RecursionError"):  # wrapped by the library's TaskParser
            message = "too many chained elements to parse (RecursionError): use call activities"
        return WorkflowFileError(filename, int(line) if line else None, element_id, message)

    def _add_file(self, filename: str, tree: etree._ElementTree) -> None:
        """Hand one parsed file to the SpiffWorkflow parser, recording what it rejects."""
        try:
            if filename.endswith(".dmn"):
                self._add_dmn(filename, tree)
            else:
                self.parser.add_bpmn_xml(tree, filename=filename)
        except Exception as exc:  # each file on its own: one bad file must not hide the others
            self._record(self._error_from(exc, filename))

    def _add_dmn(self, filename: str, tree: etree._ElementTree) -> None:
        """Add a DMN file and parse its table now, so its errors point at the DMN file."""
        decision = next(tree.getroot().iter("{*}decision"), None)
        decision_id = decision.get("id") if decision is not None else None
        if decision_id in self.parser.dmn_parsers:
            self._flag(filename, decision, "duplicate decision id", None)
            return
        self.parser.add_dmn_xml(tree.getroot(), filename=filename)
        try:
            self.parser.dmn_parsers[decision_id].parse()
        except Exception as exc:
            self._record(self._error_from(exc, filename), owner=f"decision:{decision_id}")

    def _parse_specs(self) -> None:
        """Parse every executable process now, so spec() never meets a parse error."""
        self._all_ids = sorted(pid for pid, p in self.parser.process_parsers.items()
                               if p.process_executable)
        for pid in self._all_ids:
            self._check_reserved_ids(pid)
            if self._check_handlers(pid):
                continue
            try:
                self.parser.get_spec(pid)
            except Exception as exc:  # ValidationException, RecursionError on huge chains, ...
                self._record(self._error_from(exc, self.source_file(pid)), owner=pid)

    def _check_reserved_ids(self, pid: str) -> None:
        """Flag ids of SpiffWorkflow's own task specs: the parser silently skips such elements."""
        node = self.parser.process_parsers[pid].node
        for el in node.xpath(".//*[@id='Start' or @id='End' or @id=$join]", join=f"{pid}.EndJoin"):
            self._flag(self.source_file(pid), el, f"the id '{el.get('id')}' is reserved by "
                       "SpiffWorkflow (the element would be skipped); rename it", pid)

    def _check_handlers(self, pid: str) -> bool:
        """Flag service operators and secret handlers that name no registered handler; True if any."""
        node = self.parser.process_parsers[pid].node
        element_ids = set(node.xpath(".//bpmn:*/@id", namespaces={"bpmn": BPMN[1:-1]}))
        found = False
        for el in node.iter(f"{SPIFF}serviceTaskOperator"):
            name = el.get("id")
            if name not in self.handler_names:
                self._flag(self.source_file(pid), el, f"service operation '{name}' names no handler "
                           f"(known: {', '.join(sorted(self.handler_names))})", pid)
                found = True
            elif name in element_ids:
                self._flag(self.source_file(pid), el, f"the operation '{name}' has the same id as a "
                           "diagram element; SpiffWorkflow would confuse them: rename the element", pid)
                found = True
        for el in node.iter(f"{SPIFF}property"):
            if el.get("name") == "secretHandler" and el.get("value") not in self.handler_names:
                self._flag(self.source_file(pid), el, f"secretHandler '{el.get('value')}' names no handler", pid)
                found = True
        return found

    def _dependencies(self) -> dict[str, list[tuple[str, etree._Element]]]:
        """Map each process to the processes it calls and the decisions it uses."""
        deps: dict[str, list[tuple[str, etree._Element]]] = {}
        for pid in self._all_ids:
            node = self.parser.process_parsers[pid].node
            deps[pid] = [(el.get("calledElement"), el) for el in node.iter(f"{BPMN}callActivity")
                         if el.get("calledElement")]
            decision = f"{BPMN}extensionElements/{SPIFF}calledDecisionId"
            deps[pid] += [(f"decision:{el.findtext(decision)}", el)
                          for el in node.iter(f"{BPMN}businessRuleTask")]
        return deps

    def _check_calls(self, deps) -> None:
        """Flag call activities to unknown processes and call cycles (they never return)."""
        for pid, targets in deps.items():
            for target, el in targets:
                if not target.startswith("decision:") and target not in deps:
                    self._flag(self.source_file(pid), el, f"calls process '{target}', which "
                               "does not exist or is not executable", pid)
        done: set[str] = set()
        for pid in self._all_ids:
            self._find_cycles(pid, deps, [], done)

    def _find_cycles(self, pid: str, deps, path: list[str], done: set[str]) -> None:
        """Depth-first search recording each call activity that closes a cycle."""
        path.append(pid)
        for target, el in deps.get(pid, []):
            if target in path:
                cycle = " -> ".join(path[path.index(target):] + [target])
                self._flag(self.source_file(pid), el, f"call activity creates a cycle ({cycle}): "
                           "the workflow would never finish", pid)
            elif target in deps and target not in done:
                self._find_cycles(target, deps, path, done)
        path.pop()
        done.add(pid)

    def _propagate(self, deps) -> None:
        """Mark processes unusable when something they call or use is unusable."""
        changed = True
        while changed:
            changed = False
            for pid in (p for p in self._all_ids if p not in self.broken):
                bad = next((target for target, _ in deps[pid] if target in self.broken), None)
                if bad:
                    cause = self.broken[bad]
                    self.broken[pid] = WorkflowFileError(
                        self.source_file(pid), None, pid,
                        f"uses '{bad}', which has errors ({cause})")
                    changed = True

    def _check_snippets(self) -> None:
        """Check every Python snippet in every file with the sandbox before anything runs."""
        for filename, tree in self.trees.items():
            for line_el, owner_el, text, mode, own_text in snippets(tree.getroot()):
                try:
                    check_snippet(text, mode, line_el)
                    check_bounds(text, line_el, self.limits)
                except ScriptSafetyError as err:
                    line = line_el.sourceline + ((err.lineno or 1) - 1 if own_text else 0)
                    what = line_el.tag.split("}")[-1]
                    self._flag(filename, owner_el, f"{what}: {err.message}", owner_key(owner_el),
                               line)

    def _check_forms(self, form_checker: FormChecker) -> None:
        """Every form a task names must be a plain file name of a valid form in the forms dir."""
        for filename, tree in self.trees.items():
            for prop in tree.getroot().iter(f"{SPIFF}property"):
                if prop.get("name") not in FORM_PROPERTIES:
                    continue
                task = next((el for el in prop.iterancestors() if el.get("id")), prop)
                problem = form_checker(prop.get("value") or "", FORM_PROPERTIES[prop.get("name")])
                if problem:
                    self._flag(filename, task, f"{prop.get('name')} {prop.get('value')!r}: {problem}",
                               owner_key(task), prop.sourceline)


def load_library(workflows_dir: Path, handler_names: frozenset[str] = frozenset(), limits: EngineLimits | None = None,
                 form_checker: FormChecker | None = None) -> ProcessLibrary:
    """Read every *.bpmn and *.dmn under ``workflows_dir`` and check them all against the handlers,
    the limits and (with ``form_checker``) the forms their tasks name."""
    library = ProcessLibrary(handler_names, limits)
    workflows_dir = Path(workflows_dir)
    paths = sorted(p for p in workflows_dir.rglob("*")
                   if p.suffix in (".bpmn", ".dmn") and p.is_file())
    for path in paths:
        filename = path.relative_to(workflows_dir).as_posix()
        try:
            if path.stat().st_size > MAX_FILE_BYTES:  # before reading it into memory
                raise WorkflowFileError(filename, None, None, "file is larger than 2 MB")
            library.trees[filename] = parse_xml_bytes(path.read_bytes(), filename)
        except WorkflowFileError as err:
            library._record(err)
    for filename, tree in library.trees.items():
        library._add_file(filename, tree)
    library._check_snippets()
    if form_checker is not None:
        library._check_forms(form_checker)
    library._parse_specs()
    deps = library._dependencies()
    library._check_calls(deps)
    library._propagate(deps)
    return library
