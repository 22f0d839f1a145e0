"""Download of evidence files, for those allowed to see them."""
from __future__ import annotations

import re

from flask import Blueprint, abort, send_file
from flask_login import current_user, login_required

from .operations import DIGEST_PREFIX, evidence_path, readable_evidence

bp = Blueprint("evidence", __name__, url_prefix="/evidence")
_ID = re.compile(r"^sha256-[0-9a-f]{64}$")


@bp.get("/<evidence_id>")
@login_required
def download(evidence_id: str):
    """Send the file as an attachment (never rendered inline: it is user content)."""
    if not _ID.match(evidence_id):
        abort(404)
    row = readable_evidence(current_user, evidence_id)
    if row is None:
        abort(404)
    path = evidence_path(evidence_id.removeprefix(DIGEST_PREFIX))
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.original_name)
