"""Forms pinned to instances: a running instance keeps the forms it started with, as it keeps its diagram.

When an instance starts, the forms in force for its organisation (shipped files overridden by the
published versions of its chain) are named by a hash and stored once (`definition_form_set`); the
instance row keeps the key. Its steps are drawn and their answers checked with that set, written
to disk on first use like the other file sets. A form published later applies to new instances,
and to running ones only when an administrator moves them to the new version.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..extensions import db
from ..forms import FormLibrary
from ..models import DefinitionFormSet, ProcessInstance
from . import files, store
from .sets import form_library_for, write_files


def _published_forms(chain: list[str]) -> tuple:
    """The publications of forms that apply somewhere along the chain (cheap: the cached index)."""
    scopes = set(chain)
    return tuple(sorted((name, scope, found[0]) for (name, scope), found in store._index().items()
                        if scope in scopes and name.startswith("forms/")))


def _shipped_stamp() -> tuple:
    """The shipped files' stamp, looked at most every DEFINITIONS_CACHE_SECONDS (every start asks)."""
    cached = current_app.extensions.get("definition_shipped_stamp")
    ttl = current_app.config.get("DEFINITIONS_CACHE_SECONDS", 10)
    if cached is None or time.monotonic() - cached[0] > ttl:
        cached = (time.monotonic(), files.shipped_stamp())
        current_app.extensions["definition_shipped_stamp"] = cached
    return cached[1]


def form_set_key(org_path: str) -> str:
    """The key of the forms in force inside the organisation, stored on first use."""
    chain = store.chain_for_path(org_path)
    cache_key = (tuple(chain), _published_forms(chain), _shipped_stamp())
    cache = current_app.extensions.setdefault("definition_form_set_keys", {})
    # Keys whose row this transaction inserted join the cache only once it commits (see `_committed`).
    pending = db.session.info.setdefault(_PENDING, {})
    key = cache.get(cache_key) or pending.get(cache_key)
    if key is None:
        entries = {name: entry for name, entry in store.effective_set(chain).items() if name.startswith("forms/")}
        key = store.set_key(entries)
        if db.session.get(DefinitionFormSet, key) is not None:
            _remember(cache, cache_key, key)
        else:
            contents = {name: store.content_of(entry).decode("utf-8") for name, entry in entries.items()}
            try:
                with db.session.begin_nested():
                    db.session.add(DefinitionFormSet(key=key, contents=json.dumps(contents, ensure_ascii=False)))
            except IntegrityError:  # another request stored the same set first: it is identical
                pass
            pending[cache_key] = key
    return key


_PENDING = "pending_form_set_keys"


def _remember(cache: dict, cache_key: tuple, key: str) -> None:
    if len(cache) > 256:
        cache.clear()
    cache[cache_key] = key


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    """The form sets this transaction stored exist now: cache their keys."""
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        cache = current_app.extensions.setdefault("definition_form_set_keys", {})
        for cache_key, key in pending.items():
            _remember(cache, cache_key, key)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous_transaction) -> None:
    """Rows of a rolled-back transaction are gone: forget their keys (a savepoint's rollback keeps them)."""
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


def form_library_of(key: str) -> FormLibrary:
    """The form library of a stored set (written under INSTANCE_DIR on first use)."""
    libraries = current_app.extensions.setdefault("definition_pinned_forms", {})
    if key not in libraries:
        # A stored set never changes (its key is its content's digest).
        libraries[key] = FormLibrary(_materialised(key) / "forms", immutable=True)
    return libraries[key]


def _materialised(key: str) -> Path:
    base = Path(current_app.config["INSTANCE_DIR"]) / "definition_sets" / "forms"
    target = base / key
    if not target.is_dir():
        row = db.session.get(DefinitionFormSet, key)
        if row is None:
            raise LookupError(f"form set {key} is not stored")
        base.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=base))
        write_files(scratch, {name: text.encode("utf-8") for name, text in json.loads(row.contents).items()})
        try:
            os.rename(scratch, target)
        except OSError:  # another worker wrote it first: identical
            shutil.rmtree(scratch, ignore_errors=True)
    return target


def form_library_for_instance(instance: ProcessInstance) -> FormLibrary:
    """The forms an instance's steps use: those it started with (or was moved to)."""
    return _pinned_or_in_force(instance.form_set, instance.org_path)


def form_library_for_instance_id(instance_id: int | None) -> FormLibrary:
    """`form_library_for_instance` by id (one small query; the default forms for no instance)."""
    found = db.session.execute(select(ProcessInstance.form_set, ProcessInstance.org_path)
                               .where(ProcessInstance.id == instance_id)).first() if instance_id else None
    if found is None:
        return current_app.extensions["form_library"]
    return _pinned_or_in_force(found.form_set, found.org_path)


def form_library_pinned(key: str | None, org_path: str) -> FormLibrary:
    """The forms of an instance from its `form_set` and `org_path` columns, when the caller read them."""
    return _pinned_or_in_force(key, org_path)


def _pinned_or_in_force(key: str | None, org_path: str) -> FormLibrary:
    # Instances started before forms were pinned (migration 0020) use the forms in force for their organisation.
    if key is None:
        return form_library_for(org_path)
    return form_library_of(key)

