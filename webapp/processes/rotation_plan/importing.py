"""An upload's life: stored by digest, checked and previewed, then applied whole by the same office."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ...core.durable import write_durably
from ...core.errors import Conflict, NotFound
from ...extensions import db
from ...models import Organisation, User, utcnow
from .excel.applying import apply
from .excel.checking import Checked, check, counts
from .excel.reader import LayoutError, Problem, read_workbook
from .models import ServiceImport


def _store_dir() -> Path:
    folder = Path(current_app.config["INSTANCE_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def read_and_check(county: Organisation, data: bytes) -> Checked:
    """Layout problems or row problems (nothing read further), else every change."""
    try:
        sheets = read_workbook(data)
    except LayoutError as error:
        return Checked(problems=error.problems)
    return check(county, sheets)


def preview(user: User, county: Organisation, filename: str, data: bytes) -> tuple[ServiceImport | None, Checked]:
    """Check an upload; when it is clean, keep it for the apply step and return its summary."""
    if not data:
        return None, Checked(problems=[Problem("", None, None, _("Choose a file to upload."))])
    checked = read_and_check(county, data)
    if checked.problems:
        return None, checked
    digest = hashlib.sha256(data).hexdigest()
    path = _store_dir() / f"{digest}.xlsx"
    if not path.exists():
        write_durably(path, data)  # the row below will point to it
    upload = ServiceImport(county_id=county.id, uploaded_by_id=user.id, filename=(filename or "upload.xlsx")[:200],
                           digest=digest, summary=counts(checked))
    db.session.add(upload)
    db.session.flush()
    return upload, checked


def apply_upload(user: User, county: Organisation, upload_id: int) -> ServiceImport:
    """Apply a previewed upload of this office; checked again against the data as it is now."""
    upload = db.session.get(ServiceImport, upload_id)
    if upload is None or upload.county_id != county.id or upload.uploaded_by_id != user.id:
        raise NotFound(_("This page does not exist, or you may not see it."))
    if upload.status != "previewed":
        raise Conflict(_("This upload has already been imported."))
    checked = read_and_check(county, (_store_dir() / f"{upload.digest}.xlsx").read_bytes())
    if checked.problems:
        raise Conflict(_("The data changed since the preview and the file no longer passes the checks: upload it again."))
    apply(checked)
    upload.status, upload.applied_dt = "applied", utcnow()
    db.session.flush()
    return upload


def recent_uploads(county: Organisation) -> list[ServiceImport]:
    """The county's latest uploads."""
    return list(db.session.scalars(select(ServiceImport).filter_by(county_id=county.id)
                                   .order_by(ServiceImport.id.desc()).limit(10)))
