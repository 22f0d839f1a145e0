"""Drafts and publications, and which version of each file applies to an organisation.

The newest publication of a (file, scope) is in force. For an organisation the scopes apply in
order default → province → city → county (its ancestors), each overriding the one above; a file
nobody published is the shipped file. Running instances are not affected: they keep the spec
they started with (webapp/engine/runtime.py stores each version once per content hash).
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import DefinitionDraft, DefinitionPublication, Organisation, User, utcnow
from ..models.definitions import DEFAULT_SCOPE
from . import files


class DefinitionConflict(Exception):
    """Someone else saved or published the same file in the same scope first."""


@dataclass(frozen=True)
class Entry:
    """One file of a file set: where it comes from and a hash of its content."""

    filename: str
    content_hash: str
    publication_id: int | None  # None: the shipped file


def scope_of(org: Organisation | None) -> str:
    """The scope key of an organisation's variants (None: the default)."""
    return DEFAULT_SCOPE if org is None else str(org.id)


def chain_for_path(org_path: str) -> list[str]:
    """The scopes that apply inside an organisation, most general first (from its materialised path)."""
    return [DEFAULT_SCOPE] + [part for part in org_path.strip("/").split("/") if part]


def digest(content: bytes) -> str:
    """The content hash used for files and file sets."""
    return hashlib.sha256(content).hexdigest()


# --- the index of publications in force (cached per process) ----------------------------------


def _index() -> dict[tuple[str, str], tuple[int, str]]:
    """(filename, scope) → (publication id, content hash) of the newest publication.

    Read at most every DEFINITIONS_CACHE_SECONDS per process (a publish in this process is seen at
    once): starting an instance must not cost a query.
    """
    cache = current_app.extensions.setdefault("definition_index", {})
    ttl = current_app.config.get("DEFINITIONS_CACHE_SECONDS", 10)
    if cache.get("rows") is None or time.monotonic() - cache["read_at"] > ttl:
        newest = select(func.max(DefinitionPublication.id)).group_by(
            DefinitionPublication.filename, DefinitionPublication.scope)
        rows = db.session.execute(
            select(DefinitionPublication.id, DefinitionPublication.filename, DefinitionPublication.scope,
                   DefinitionPublication.content_hash).where(DefinitionPublication.id.in_(newest)))
        cache["rows"] = {(name, scope): (pub_id, content_hash) for pub_id, name, scope, content_hash in rows}
        cache["read_at"] = time.monotonic()
    return cache["rows"]


def forget_index() -> None:
    """Read the publications again on next use (after a publish; tests between cases)."""
    current_app.extensions.pop("definition_index", None)


def has_variants(chain: list[str]) -> bool:
    """True if any scope of the chain published anything."""
    scopes = set(chain)
    return any(scope in scopes for _name, scope in _index())


def published_in_force(filename: str, chain: list[str]) -> Entry | None:
    """The publication of `filename` that applies for the chain of scopes (None: the shipped file
    applies, or none). Read from the cached index only: no file is read."""
    index = _index()
    for scope in reversed(chain):
        found = index.get((filename, scope))
        if found:
            return Entry(filename, found[1], found[0])
    return None


def in_force(filename: str, chain: list[str]) -> Entry | None:
    """The version of `filename` that applies for the chain of scopes (None: not a file here)."""
    published = published_in_force(filename, chain)
    if published is not None:
        return published
    shipped = files.shipped_content(filename)
    return None if shipped is None else Entry(filename, digest(shipped), None)


def effective_set(chain: list[str]) -> dict[str, Entry]:
    """Every file that applies for the chain: shipped files overridden by publications."""
    names = set(files.shipped_names()) | {name for name, scope in _index() if scope in set(chain)}
    entries = {name: in_force(name, chain) for name in sorted(names)}
    return {name: entry for name, entry in entries.items() if entry is not None}


def set_key(entries: dict[str, Entry]) -> str:
    """A hash naming the whole file set."""
    text = "\n".join(f"{name} {entry.content_hash}" for name, entry in sorted(entries.items()))
    return digest(text.encode())[:32]


def content_of(entry: Entry) -> bytes:
    """The bytes of a file-set entry (publications are immutable, so they are cached)."""
    if entry.publication_id is None:
        return files.shipped_content(entry.filename) or b""
    cache = current_app.extensions.setdefault("definition_contents", {})
    if entry.publication_id not in cache:
        row = db.session.get(DefinitionPublication, entry.publication_id)
        cache[entry.publication_id] = row.content.encode("utf-8")
    return cache[entry.publication_id]


# --- drafts and publishing ---------------------------------------------------------------------


def draft_of(filename: str, scope: str) -> DefinitionDraft | None:
    """The saved draft of a file in a scope, if any."""
    return db.session.scalar(select(DefinitionDraft).filter_by(filename=filename, scope=scope))


def save_draft(user: User, filename: str, org: Organisation | None, content: str,
               lock_version: int | None) -> DefinitionDraft:
    """Keep the editor's text as the scope's draft; a save from a stale copy is refused."""
    scope = scope_of(org)
    draft = draft_of(filename, scope)
    if draft is None:
        entry = in_force(filename, chain_of_scope(org))
        draft = DefinitionDraft(filename=filename, scope=scope, org_id=org.id if org else None,
                                base_publication_id=entry.publication_id if entry else None, content=content)
        db.session.add(draft)
    elif lock_version is not None and lock_version != draft.lock_version:
        raise DefinitionConflict(f"{draft.saved_by.username if draft.saved_by else '?'}")
    draft.content = content
    draft.saved_by_id = user.id
    draft.saved_dt = utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except (IntegrityError, StaleDataError):
        raise DefinitionConflict("?") from None
    return draft


def discard_draft(filename: str, org: Organisation | None) -> None:
    """Throw the scope's draft away."""
    draft = draft_of(filename, scope_of(org))
    if draft is not None:
        db.session.delete(draft)
        db.session.flush()


def publish(user: User, filename: str, org: Organisation | None, content: str, comment: str,
            rollback_of: DefinitionPublication | None = None) -> DefinitionPublication:
    """Record a new version in force for the scope (the caller has validated `content`)."""
    scope = scope_of(org)
    number = (db.session.scalar(select(func.max(DefinitionPublication.number))
                                .filter_by(filename=filename, scope=scope)) or 0) + 1
    row = DefinitionPublication(
        filename=filename, scope=scope, org_id=org.id if org else None, number=number, content=content,
        content_hash=digest(content.encode("utf-8")), comment=comment, published_by_id=user.id,
        published_dt=utcnow(), rollback_of_id=rollback_of.id if rollback_of else None)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # two publishes of the same file at once: one wins
        raise DefinitionConflict("?") from None
    draft = draft_of(filename, scope)
    if draft is not None and draft.content == content:
        db.session.delete(draft)
        db.session.flush()
    forget_index()
    return row


def publications(filename: str, scope: str) -> list[DefinitionPublication]:
    """Every published version of a file in a scope, newest first."""
    return list(db.session.scalars(select(DefinitionPublication).filter_by(filename=filename, scope=scope)
                                    .order_by(DefinitionPublication.number.desc())))


def chain_of_scope(org: Organisation | None) -> list[str]:
    """The chain of scopes that an edit in `org`'s scope (None: default) is seen through."""
    return [DEFAULT_SCOPE] if org is None else chain_for_path(org.path)
