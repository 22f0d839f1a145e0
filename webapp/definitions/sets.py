"""A file set written once to disk under INSTANCE_DIR, with its own engine and form library.

The engine and the form library read directories, exactly as at startup; a variant's files are
therefore checked and run by the same code as the shipped ones. Directories are named by the
set's hash and never change once written (written to a temporary name, then renamed).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from flask import current_app

from ..engine.runtime import WorkflowEngine
from ..forms import FormLibrary
from ..models import Organisation
from . import files, store


def write_files(root: Path, contents: dict[str, bytes]) -> None:
    """Write `filename → bytes` under `root` (workflows/…, forms/…)."""
    for folder in ("workflows", "forms"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        if files.kind_of(name) is None:
            raise ValueError(f"not an editable file name: {name!r}")
        (root / name).write_bytes(data)


def _materialised(key: str, entries: dict[str, store.Entry]) -> Path:
    """The directory holding the set `key`, written on first use."""
    base = Path(current_app.config["INSTANCE_DIR"]) / "definition_sets"
    target = base / key
    if not target.is_dir():
        base.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=base))
        write_files(scratch, {name: store.content_of(entry) for name, entry in entries.items()})
        try:
            os.rename(scratch, target)
        except OSError:  # another worker wrote the same set first: theirs is identical
            shutil.rmtree(scratch, ignore_errors=True)
    return target


def _variant(org_path: str) -> tuple[str, Path] | None:
    """(set key, directory) of the files that apply inside an organisation; None: the shipped ones."""
    chain = store.chain_for_path(org_path)
    if not store.has_variants(chain):
        return None
    entries = store.effective_set(chain)
    key = store.set_key(entries)
    return key, _materialised(key, entries)


def engine_for(org: Organisation) -> WorkflowEngine | None:
    """The engine of the diagrams and tables in force for `org` (None: the app's own engine)."""
    found = _variant(org.path)
    if found is None:
        return None
    key, root = found
    engines = current_app.extensions.setdefault("definition_engines", {})
    if key not in engines:
        app_engine = current_app.extensions["workflow_engine"]
        engines[key] = WorkflowEngine(root / "workflows", app_engine.registry, app_engine.limits)
    return engines[key]


def form_library_for(org_path: str) -> FormLibrary:
    """The forms in force inside the organisation with this path."""
    found = _variant(org_path)
    if found is None:
        return current_app.extensions["form_library"]
    key, root = found
    libraries = current_app.extensions.setdefault("definition_form_libraries", {})
    if key not in libraries:
        libraries[key] = FormLibrary(root / "forms")
    return libraries[key]


def default_policy_path() -> Path | None:
    """The published default reminder policy as a file (None: the shipped file applies)."""
    # Asked at every new step (its first reminder): the index only, not the shipped file's digest.
    entry = store.published_in_force(files.POLICY_FILE, [store.DEFAULT_SCOPE])
    if entry is None:
        return None
    return _policy_file(entry)


def policy_variant_path(org_path: str) -> Path | None:
    """The reminder policy a province, city or county published for itself, in force inside the
    organisation with this path, as a file (None: the default applies)."""
    chain = store.chain_for_path(org_path)
    entry = store.published_in_force(files.POLICY_FILE, chain[1:]) if policy_has_variants() else None
    if entry is None:
        return None
    return _policy_file(entry)


def policy_has_variants() -> bool:
    """True if any organisation published its own reminder policy (read from the cached index)."""
    return any(name == files.POLICY_FILE and scope != store.DEFAULT_SCOPE for name, scope in store._index())


def _policy_file(entry: store.Entry) -> Path:
    base = Path(current_app.config["INSTANCE_DIR"]) / "definition_sets" / "policies"
    path = base / f"{entry.content_hash}.json"
    if not path.is_file():
        base.mkdir(parents=True, exist_ok=True)
        scratch = base / f".{entry.content_hash}.{os.getpid()}"
        scratch.write_bytes(store.content_of(entry))
        os.replace(scratch, path)
    return path


def forget(app) -> None:
    """Drop cached engines, libraries and the publication index (tests empty the database)."""
    for name in ("definition_index", "definition_contents", "definition_engines", "definition_form_libraries",
                 "definition_form_set_keys", "definition_pinned_forms", "definition_shipped_stamp"):
        app.extensions.pop(name, None)


def install(app) -> None:
    """Let the engine start instances on the variant in force for their organisation."""
    app.extensions["workflow_engine"].variants = engine_for
