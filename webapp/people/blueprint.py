"""The blueprints of the administration pages and of the JSON API."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/admin/people", template_folder="templates")
api = Blueprint("api", __name__, url_prefix="/api/v1")
