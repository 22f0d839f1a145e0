"""Live preview of a form being edited, drawn by the app's own form renderer."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..definitions import checks, files, store
from ..definitions.sets import write_files
from ..forms import FormFileError, FormLibrary
from ..models.definitions import DEFAULT_SCOPE
from .access import scope_org_or_404
from .pages import _encoded, bp, file_or_404


@bp.post("/preview-form")
def preview_form():
    """The edited schema rendered as the step's page would show it, or why it cannot be."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("content"), str):
        return jsonify(message=_("The request carried no file text.")), 400
    filename = file_or_404(body.get("file"))
    org = scope_org_or_404(current_user, str(body.get("scope") or DEFAULT_SCOPE))
    if files.kind_of(filename) != "form":
        return jsonify(message=_("Only forms have a preview.")), 400
    data = _encoded(body["content"])
    refused = checks.check_bytes(filename, data)
    if refused:
        return jsonify(html=None, problems=[p.as_dict() for p in refused]), 422
    entries = store.effective_set(store.chain_of_scope(org))
    contents = {name: store.content_of(entry) for name, entry in entries.items() if name.startswith("forms/")}
    contents[filename] = data
    name = filename.removeprefix("forms/")
    with tempfile.TemporaryDirectory(prefix="form-preview-") as scratch:
        write_files(Path(scratch), contents)
        library = FormLibrary(Path(scratch) / "forms")
        try:
            if name.endswith("uischema.json"):
                library.ui_schema(name)
                return jsonify(html=None, problems=[], message=_("A layout file has no preview of its own."))
            html = str(library.render(name, None, {}, []))
        except FormFileError as error:
            return jsonify(html=None, problems=[{"text": f"{filename}: {error.message}", "element_id": None}]), 422
    return jsonify(html=html, problems=[])


@bp.post("/impact")
def impact():
    """Who would get another outcome under the edited decision table, next to the current one."""
    from flask import render_template

    from ..definitions.impact import decision_impact

    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("content"), str):
        return jsonify(message=_("The request carried no file text.")), 400
    filename = file_or_404(body.get("file"))
    org = scope_org_or_404(current_user, str(body.get("scope") or DEFAULT_SCOPE))
    data = _encoded(body["content"])
    if files.kind_of(filename) != "dmn" or checks.check_bytes(filename, data):
        return jsonify(html=None), 422
    try:
        result = decision_impact(filename, data, org)
    except Exception:  # a table that does not load has its problems listed by the draft check
        return jsonify(html=None), 422
    return jsonify(html=render_template("editor/_impact.html", impact=result), changed=len(result.changed),
                   considered=result.considered)
