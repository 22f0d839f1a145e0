"""The rotation pages' blueprint (plan pages in pages.py, service history in history_pages.py)."""
from flask import Blueprint

bp = Blueprint("rotation_plan", __name__, url_prefix="/rotation", template_folder="templates")
