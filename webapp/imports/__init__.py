"""What every Excel import shares, below the imports themselves (teachers in `webapp.people.importing`,
title holders in `webapp.processes.conferral`): reading a sheet safely and fast (`xlsx.py`) and the
background job with its progress, its stored upload and its page (`jobs.py`, `templates/imports/`)."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

IMPORT_STATUS = {"checking": _l("Checking the rows…"), "checked": _l("Checked: read the preview and apply"),
                 "refused": _l("Refused"), "applying": _l("Applying…"), "applied": _l("Applied"), "failed": _l("Failed")}


def import_status_label(status: str) -> str:
    """Where an import stands, in the page's language."""
    return str(IMPORT_STATUS.get(status, status))


def register_imports(app: Flask) -> None:
    """What the import pages share in their templates."""
    app.jinja_env.globals["import_status_label"] = import_status_label
