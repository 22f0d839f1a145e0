"""Download of evidence files: through an instance the user may see, or one's own upload."""
from __future__ import annotations

import re

from flask import Blueprint, abort, send_file
from flask_login import current_user, login_required

from ..models import Evidence
from .operations import DIGEST_PREFIX, evidence_path, linked_evidence, own_upload

bp = Blueprint("evidence", __name__)
_ID = re.compile(r"^sha256-[0-9a-f]{64}$")


@bp.get("/instances/<int:instance_id>/evidence/<evidence_id>")
@login_required
def instance_file(instance_id: int, evidence_id: str):
    """A file the instance cites, for those who may see the instance (404 for anyone else)."""
    if not _ID.match(evidence_id):
        abort(404)
    return _send(linked_evidence(current_user, instance_id, evidence_id))


@bp.get("/evidence/<evidence_id>")
@login_required
def download(evidence_id: str):
    """One's own upload (a form shows the files being attached); nobody else's, whatever the bytes."""
    if not _ID.match(evidence_id):
        abort(404)
    return _send(own_upload(current_user, evidence_id))


def _send(row: Evidence | None):
    """Send the file as an attachment (never rendered inline: it is user content)."""
    if row is None:
        abort(404)
    path = evidence_path(row.digest.removeprefix(DIGEST_PREFIX))
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.original_name)
