"""Moving running instances to the newly published version: first who can move and why not, then the move."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..i18n import is_english
from ..models import Organisation
from ..transaction import committing
from ..workflow import migration
from .access import scope_org_or_404
from .pages import COMMENT_MAX, bp, scope_value


def processes_of(filename: str) -> list[str]:
    """The processes a diagram file defines (whose running instances may move)."""
    library = current_app.extensions["workflow_engine"].library
    return sorted(pid for pid in library.process_ids() if f"workflows/{library.source_file(pid)}" == filename)


def _process_or_404(value: str | None) -> str:
    """A process id the application defines, else 404."""
    if not value or value not in current_app.extensions["workflow_engine"].library.process_ids():
        abort(404)
    return value


def _page(process_id: str, org: Organisation | None, refused=None, comment: str = "",
          comment_error: str | None = None, chosen: set[int] | None = None, status: int = 200):
    engine = current_app.extensions["workflow_engine"]
    looked = migration.preview(engine, process_id, org)
    return render_template("editor/migrate.html", process_id=process_id, org=org, scope=scope_value(org),
                           looked=looked, candidates=looked.candidates, current=looked.current,
                           refused=refused or [], comment=comment, comment_error=comment_error,
                           chosen=chosen or set(), english=is_english()), status


@bp.get("/migrate")
@committing
def migrate():
    """The running instances on older versions of a process in the scope: which can move, which cannot and why.

    Committed: examining them stores the version rows and form sets in force, which the engine
    caches by id (a rolled-back row would leave the cache pointing at nothing).
    """
    process_id = _process_or_404(request.args.get("process"))
    org = scope_org_or_404(current_user, request.args.get("scope"))
    return _page(process_id, org)


@bp.post("/migrate")
@committing
def migrate_chosen():
    """Move the chosen instances (all or none), each audited, in one transaction."""
    process_id = _process_or_404(request.form.get("process"))
    org = scope_org_or_404(current_user, request.form.get("scope"))
    ids = sorted({int(v) for v in request.form.getlist("instance") if v.isdigit()})
    comment = (request.form.get("comment") or "").strip()
    move_all = request.form.get("all") == "1"
    if not ids and not move_all:
        return _page(process_id, org, comment=comment, status=422,
                     refused=[(None, [_("Choose at least one process to move.")])])
    if not comment or len(comment) > COMMENT_MAX:
        return _page(process_id, org, comment=comment, chosen=set(ids), status=422,
                     comment_error=_("Say why these processes move (at most %(max)d characters).", max=COMMENT_MAX))
    try:
        engine = current_app.extensions["workflow_engine"]
        if move_all:
            moved = migration.move_all(engine, current_user, process_id, org, comment)
        else:
            moved = migration.move(engine, current_user, process_id, org, ids, comment)
    except migration.MigrationRefused as refusal:
        return _page(process_id, org, refused=refusal.refused, comment=comment, chosen=set(ids), status=422)
    flash(_("%(n)d processes moved to the version in force for them.", n=len(moved)), "success")
    return redirect(url_for("editor.migrate", process=process_id, scope=scope_value(org)))
