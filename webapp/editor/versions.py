"""Versions of a file in a scope: history with who, when and why; differences; rollback."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..definitions import checks, diffing, files, store
from ..extensions import db
from ..models import DefinitionPublication
from ..transaction import committing
from ..core.errors import Conflict
from .pages import COMMENT_MAX, _edit_page, bp, file_or_404, scope_value
from .access import scope_org_or_404
from .migrations import processes_of


@bp.get("/history")
def history():
    """Every published version of the file in the scope, newest first, and the draft if any."""
    filename = file_or_404(request.args.get("file"))
    org = scope_org_or_404(current_user, request.args.get("scope"))
    rows = store.publications(filename, store.scope_of(org))
    return render_template("editor/history.html", filename=filename, org=org, scope=scope_value(org), rows=rows,
                           draft=store.draft_of(filename, store.scope_of(org)),
                           shipped=files.shipped_content(filename) is not None, processes=processes_of(filename))


def _version_text(filename: str, scope: str, number: int) -> str | None:
    """Version `number` of the file in the scope (0: the shipped file)."""
    if number == 0:
        shipped = files.shipped_content(filename)
        return shipped.decode("utf-8", "replace") if shipped is not None else None
    row = db.session.query(DefinitionPublication).filter_by(filename=filename, scope=scope, number=number).first()
    return row.content if row else None


@bp.get("/diff")
def diff():
    """What changed from one version to another (0 is the shipped file; "draft" the current draft)."""
    filename = file_or_404(request.args.get("file"))
    org = scope_org_or_404(current_user, request.args.get("scope"))
    scope = store.scope_of(org)
    texts = []
    for key in ("from", "to"):
        value = request.args.get(key, "")
        if value == "draft":
            draft = store.draft_of(filename, scope)
            text = draft.content if draft else None
        else:
            text = _version_text(filename, scope, int(value)) if value.isdigit() else None
        if text is None:
            abort(404)
        texts.append((value, text))
    (old_name, old), (new_name, new) = texts
    return render_template(
        "editor/diff.html", filename=filename, org=org, scope=scope_value(org), old_name=old_name, new_name=new_name,
        changes=diffing.changes(filename, old, new),
        text=diffing.text_diff(old, new, f"{filename} ({old_name})", f"{filename} ({new_name})"))


@bp.post("/rollback")
@committing
def rollback():
    """Publish an older version again (checked like any other publish: the files around it may have changed)."""
    filename = file_or_404(request.form.get("file"))
    org = scope_org_or_404(current_user, request.form.get("scope"))
    number = request.form.get("number", "")
    text = _version_text(filename, store.scope_of(org), int(number)) if number.isdigit() else None
    if text is None:
        abort(404)
    comment = (request.form.get("comment") or "").strip()[:COMMENT_MAX] or _("Rollback to version %(n)s", n=number)
    problems = checks.check_candidate(filename, text.encode("utf-8"), org)
    if problems:
        flash(_("Version %(n)s cannot be published again: it does not pass the checks any more.", n=number), "error")
        return _edit_page(filename, org, problems, content=text, comment=comment, status=422)
    older = db.session.query(DefinitionPublication).filter_by(
        filename=filename, scope=store.scope_of(org), number=int(number)).first()
    try:
        row = store.publish(current_user, filename, org, text, comment, rollback_of=older)
    except store.DefinitionConflict:
        raise Conflict(_("Someone else saved or published this file at the same moment. Reload and try again."))
    flash(_("Version %(old)s published again as version %(new)d.", old=number, new=row.number), "success")
    return redirect(url_for("editor.history", file=filename, scope=scope_value(org)))
