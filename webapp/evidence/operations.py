"""Store uploads under their digest, check that a form only cites files its user may cite."""
from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, insert, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.datastructures import FileStorage

from ..core.durable import make_directories, sync_directories
from ..extensions import db
from ..models import Evidence, EvidenceLink, ProcessInstance, User, utcnow
from ..workflow.permissions import can_view_instance

DIGEST_PREFIX = "sha256-"
# (user id, evidence id) of the uploads stored in the current transaction: citing them needs no
# query. Forgotten when the transaction ends either way.
_STORED_NOW = "evidence_stored_now"


@event.listens_for(Session, "after_transaction_end")
def _forget_stored_uploads(session, transaction) -> None:
    """The transaction is over (committed or rolled back): what it stored is no longer 'now'."""
    if transaction.parent is None or transaction.nested:
        session.info.pop(_STORED_NOW, None)


def store_upload(user: User, upload: FileStorage, field_schema: dict) -> str:
    """Save an upload the form library has already checked (type, size, content); return its id."""
    name = os.path.basename(upload.filename or "")
    digest, size, temp_path = _spool(upload, current_app.config["EVIDENCE_MAX_BYTES"])
    try:
        target = evidence_path(digest)
        created = make_directories(target.parent)
        os.replace(temp_path, target)
        # The row commits durably with the request: the file and its name must be on disk first
        # (the bytes were fsynced while spooled), see `core.durable`.
        sync_directories(target.parent, *created)
    finally:
        if os.path.exists(temp_path):
            os.unlink(temp_path)
    evidence_id = DIGEST_PREFIX + digest
    # One statement: the same bytes uploaded again by the same person are the same row.
    dialect_insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        dialect_insert(Evidence).values(
            digest=evidence_id, uploaded_by_id=user.id, original_name=name[:255],
            content_type=mimetypes.guess_type(name)[0] or "application/octet-stream", size=size, uploaded_dt=utcnow(),
        ).on_conflict_do_nothing(index_elements=["digest", "uploaded_by_id"])
    )
    db.session.info.setdefault(_STORED_NOW, set()).add((user.id, evidence_id))
    return evidence_id


def _spool(upload: FileStorage, max_bytes: int) -> tuple[str, int, str]:
    """Copy the upload to a temporary file while hashing it; the site-wide size cap still holds."""
    digest = hashlib.sha256()
    size = 0
    directory = Path(current_app.config["EVIDENCE_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    handle, temp_path = tempfile.mkstemp(dir=directory, prefix=".upload-")
    with os.fdopen(handle, "wb") as out:
        while chunk := upload.stream.read(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                out.close()
                os.unlink(temp_path)
                raise ValueError(_("The file is larger than %(mb)s MB.", mb=max_bytes // (1024 * 1024)))
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size, temp_path


def evidence_path(digest_hex: str) -> Path:
    """Where the bytes with this digest live on disk."""
    return Path(current_app.config["EVIDENCE_DIR"]) / digest_hex[:2] / digest_hex[2:4] / digest_hex


def check_citable(user: User, instance: ProcessInstance | None, evidence_ids: set[str]) -> None:
    """Refuse a form citing files the user neither uploaded nor can already see on this instance."""
    stored_now = db.session.info.get(_STORED_NOW, ())
    for evidence_id in evidence_ids:
        if (user.id, evidence_id) in stored_now:
            continue
        own = db.session.scalar(select(Evidence.id).filter_by(digest=evidence_id, uploaded_by_id=user.id))
        if own is not None:
            continue
        if instance is None:
            raise ValueError(_("An attached file is not available to you. Please upload it again."))
        linked = db.session.scalar(
            select(EvidenceLink.evidence_id)
            .join(Evidence, Evidence.id == EvidenceLink.evidence_id)
            .where(Evidence.digest == evidence_id, EvidenceLink.instance_id == instance.id)
        )
        if linked is None:
            raise ValueError(_("An attached file is not available to you. Please upload it again."))


def link_to_instance(instance: ProcessInstance, evidence_ids: set[str], uploaded_by: User | None = None) -> None:
    """Record that the instance cites these files, so its readers may download them.

    With `uploaded_by`, only that user's uploads are linked: the same bytes uploaded by other
    people are other rows, and linking them all made each submission slower as more people
    uploaded a common file (files already linked to the instance stay linked).
    """
    if not evidence_ids:
        return
    # One INSERT … SELECT (was: read the files, read the links, insert each): the rows to link
    # are chosen by the database, and links the instance already has are left alone.
    already = select(EvidenceLink.evidence_id).where(
        EvidenceLink.evidence_id == Evidence.id, EvidenceLink.instance_id == instance.id)
    chosen = select(Evidence.id, literal(instance.id)).where(
        Evidence.digest.in_(sorted(evidence_ids)), ~already.exists())
    if uploaded_by is not None:
        chosen = chosen.where(Evidence.uploaded_by_id == uploaded_by.id)
    db.session.execute(insert(EvidenceLink).from_select(["evidence_id", "instance_id"], chosen))


def own_upload(user: User, evidence_id: str) -> Evidence | None:
    """The user's own upload of these bytes (a draft's files, before any instance cites them)."""
    return db.session.scalar(select(Evidence).filter_by(digest=evidence_id, uploaded_by_id=user.id))


def linked_evidence(user: User, instance_id: int, evidence_id: str) -> Evidence | None:
    """The file as the instance cites it, if the user may see that instance.

    Access follows the link, never the bytes: the same digest cited by another instance, or
    uploaded by a colleague, opens nothing here.
    """
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or not can_view_instance(user, instance):
        return None
    return db.session.scalar(
        select(Evidence)
        .join(EvidenceLink, EvidenceLink.evidence_id == Evidence.id)
        .where(EvidenceLink.instance_id == instance.id, Evidence.digest == evidence_id)
        .order_by(Evidence.id)
        .limit(1)
    )
