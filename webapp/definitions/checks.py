"""Every save is untrusted input: the same loader and form checks as at startup, and then some.

`check_bytes` refuses what must never reach a parser (size, encoding, DOCTYPE and entities).
`check_candidate` puts the edited file into the file set of its scope — and of every variant
below that scope, since a change of the default reaches them too — writes each set to a scratch
directory and loads it exactly as the app does at startup, then runs the checks of `structure`.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..engine.errors import WorkflowFileError
from ..engine.loader import load_library
from ..extensions import db
from ..forms import FormLibrary
from ..models import DefinitionPublication, Organisation
from ..notifications.policy import parse_policy
from . import files, store
from .problems import Problem
from .sets import write_files
from .structure import check_bpmn, check_dmn

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)[\"']")


def check_bytes(filename: str, data: bytes) -> list[Problem]:
    """Problems that stop a file before any parser sees it."""
    kind = files.kind_of(filename)
    if kind is None:
        return [Problem(str(filename)[:200], None, None, "not an editable file name")]
    if len(data) > files.MAX_BYTES[kind]:
        return [Problem(filename, None, None, f"file is larger than {files.MAX_BYTES[kind] // 1024} KB")]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return [Problem(filename, line, None, "the file is not UTF-8 text (save it as UTF-8)")]
    if kind in ("bpmn", "dmn"):
        found = _DOCTYPE.search(data)
        if found:  # entities can inject script text or read local files
            line = data.count(b"\n", 0, found.start()) + 1
            return [Problem(filename, line, None, "DOCTYPE and ENTITY declarations are not allowed")]
        declared = _XML_DECL.match(data)
        if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            return [Problem(filename, 1, None, "the XML declaration must say encoding=\"UTF-8\"")]
    return []


def check_candidate(filename: str, data: bytes, org: Organisation | None) -> list[Problem]:
    """Everything wrong with publishing `data` as `filename` in `org`'s scope (None: the default)."""
    problems = check_bytes(filename, data)
    if problems:
        return problems
    if files.kind_of(filename) == "policy":  # stands alone: no diagram or form depends on it
        _policy, errors = parse_policy(data.decode("utf-8"), "reminders.json")
        return [Problem(files.POLICY_FILE, error.line, None, error.message) for error in errors]
    required = _required_ids()
    found: list[Problem] = []
    for label, chain in _affected_chains(org):
        entries = store.effective_set(chain)
        contents = {name: store.content_of(entry) for name, entry in entries.items()}
        contents[filename] = data
        for problem in check_file_set(contents, required):
            tagged = Problem(problem.filename, problem.line, problem.element_id, problem.message,
                             scope=label)
            if problem not in found and tagged not in found:
                found.append(problem if label is None else tagged)
    return found


def check_file_set(contents: dict[str, bytes], required: set[str]) -> list[Problem]:
    """Load a whole file set as at startup and run the further checks."""
    with tempfile.TemporaryDirectory(prefix="definitions-") as scratch:
        root = Path(scratch)
        write_files(root, contents)
        engine = current_app.extensions["workflow_engine"]
        # The app's limits, so a draft is held to what the running engine will enforce (the
        # forms its tasks name are checked by check_bpmn below, against the draft's own forms).
        library = load_library(root / "workflows", engine.registry.handler_names(), engine.limits)
        forms = FormLibrary(root / "forms")
        problems = [_from_workflow_error(error) for error in library.errors]
        problems += [Problem(f"forms/{error.filename}", None, None, error.message) for error in forms.check_all()]
        policy = contents.get(files.POLICY_FILE)
        if policy is not None:
            _policy, errors = parse_policy(policy.decode("utf-8"), "reminders.json")
            problems += [Problem(files.POLICY_FILE, error.line, None, error.message) for error in errors]
        for name, tree in sorted(library.trees.items()):
            checker = check_dmn(f"workflows/{name}", tree) if name.endswith(".dmn") else \
                check_bpmn(f"workflows/{name}", tree, forms)
            problems += checker
        problems += _missing(library, required)
    return problems


def _from_workflow_error(error: WorkflowFileError) -> Problem:
    return Problem(f"workflows/{error.filename}", error.line, error.element_id, error.message)


def _required_ids() -> set[str]:
    """Processes and decisions of the shipped files: the application starts or calls them by id."""
    library = current_app.extensions["workflow_engine"].library
    return set(library.process_ids()) | {f"decision:{d}" for d in library.parser.dmn_parsers}


def _missing(library, required: set[str]) -> list[Problem]:
    """A process or decision the application relies on must not disappear (renamed or deleted)."""
    present = set(library._all_ids) | {f"decision:{d}" for d in library.parser.dmn_parsers}
    return [Problem("workflows/", None, None, f"'{name.removeprefix('decision:')}' is used by the application "
                    "and must stay defined (do not rename or remove it)")
            for name in sorted(required - present)]


def _affected_chains(org: Organisation | None) -> list[tuple[str | None, list[str]]]:
    """The chain of the edited scope, then those of the published variants below it."""
    chains: list[tuple[str | None, list[str]]] = [(None, store.chain_of_scope(org))]
    below = select(DefinitionPublication.org_id).where(DefinitionPublication.org_id.is_not(None)).distinct()
    orgs = db.session.scalars(select(Organisation).where(Organisation.id.in_(below))).all()
    for other in orgs:
        if (org is None or (other.path.startswith(org.path) and other.id != org.id)):
            chains.append((other.name, store.chain_of_scope(other)))
    return chains
