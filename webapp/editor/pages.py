"""The editor's pages: the list of files and where each version applies, editing, drafts, publishing."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..definitions import checks, files, store
from ..definitions.problems import Problem
from ..extensions import db
from ..i18n import is_english
from ..models import DefinitionPublication, Organisation
from ..models.definitions import DEFAULT_SCOPE
from ..transaction import committing
from ..core.errors import Conflict
from .access import can_edit_any, editable_orgs, scope_org_or_404

bp = Blueprint("editor", __name__, url_prefix="/admin/definitions")
COMMENT_MAX = 2000


@bp.before_request
@login_required
def require_editor():
    """System administrators and process administrators; everyone else is told the page does not exist."""
    if not can_edit_any(current_user):
        abort(404)


@bp.app_context_processor
def navigation_entry() -> dict:
    """Whether the navigation bar shows the editor."""
    return {"can_edit_definitions": bool(current_user.is_authenticated and can_edit_any(current_user))}


def file_or_404(value: str | None) -> str:
    """An editable file name that exists (shipped or published), else 404."""
    if files.kind_of(value) is None:
        abort(404)
    if files.shipped_content(value) is None and db.session.scalar(
            select(DefinitionPublication.id).filter_by(filename=value).limit(1)) is None:
        abort(404)
    return value


def scope_value(org: Organisation | None) -> str:
    """The `scope` parameter of URLs for an organisation (or the defaults)."""
    return store.scope_of(org)


@bp.get("/")
def index():
    """Every editable file and which version applies in each scope the user looks after."""
    scopes = editable_orgs(current_user)
    if None in scopes:  # a system administrator also sees the counties' variants (read-only)
        with_variants = db.session.scalars(select(Organisation).where(Organisation.id.in_(
            select(DefinitionPublication.org_id).where(DefinitionPublication.org_id.is_not(None)).distinct()))
            .order_by(Organisation.path)).all()
        scopes += [org for org in with_variants if org not in scopes]
    editable = set(map(store.scope_of, editable_orgs(current_user)))
    names = files.shipped_names()
    cells = {(name, store.scope_of(org)): store.in_force(name, store.chain_of_scope(org))
             for name in names for org in scopes}
    ids = {entry.publication_id for entry in cells.values() if entry and entry.publication_id}
    published = {row.id: row for row in db.session.scalars(
        select(DefinitionPublication).where(DefinitionPublication.id.in_(ids)))} if ids else {}
    groups = [(kind, [name for name in names if files.kind_of(name) == kind])
              for kind in ("bpmn", "dmn", "form", "policy")]
    library = current_app.extensions["workflow_engine"].library
    english = is_english()
    processes = [(pid, (english and library.process_name_en(pid)) or library.process_name(pid))
                 for pid in sorted(library.process_ids())]
    return render_template("editor/index.html", groups=groups, scopes=scopes, cells=cells, published=published,
                           editable=editable, scope_value=scope_value, processes=processes,
                           editable_scopes=editable_orgs(current_user))


@bp.get("/edit")
def edit():
    """The editor of one file in one scope."""
    filename = file_or_404(request.args.get("file"))
    org = scope_org_or_404(current_user, request.args.get("scope"))
    return _edit_page(filename, org)


def _edit_page(filename: str, org: Organisation | None, problems: list[Problem] | None = None,
               comment: str = "", comment_error: str | None = None, content: str | None = None, status: int = 200):
    draft = store.draft_of(filename, store.scope_of(org))
    entry = store.in_force(filename, store.chain_of_scope(org))
    if content is None:
        content = draft.content if draft else (store.content_of(entry).decode("utf-8") if entry else "")
    source = published_row(entry)
    return render_template(
        "editor/edit.html", filename=filename, kind=files.kind_of(filename), org=org, scope=scope_value(org),
        draft=draft, source=source, content=content, problems=problems or [], comment=comment,
        comment_error=comment_error, problems_json=[p.as_dict() for p in problems or []],
    ), status


def published_row(entry: store.Entry | None) -> DefinitionPublication | None:
    """The publication behind an entry (None: the shipped file)."""
    if entry is None or entry.publication_id is None:
        return None
    return db.session.get(DefinitionPublication, entry.publication_id)


@bp.get("/source")
def source():
    """The text the editor opens with: the draft if there is one, else the version in force."""
    filename = file_or_404(request.args.get("file"))
    org = scope_org_or_404(current_user, request.args.get("scope"))
    draft = store.draft_of(filename, store.scope_of(org))
    if draft is not None:
        return jsonify(content=draft.content, lock_version=draft.lock_version, draft=True)
    entry = store.in_force(filename, store.chain_of_scope(org))
    return jsonify(content=store.content_of(entry).decode("utf-8") if entry else "", lock_version=None, draft=False)


def _encoded(text: str) -> bytes:
    """The editor's text as bytes; lone surrogates survive so that the UTF-8 check can name them."""
    return text.encode("utf-8", "surrogatepass")


@bp.post("/draft")
@committing
def save_draft():
    """Keep the editor's text as the draft and say what is wrong with it (JSON, for the editors' scripts)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("content"), str):
        return jsonify(message=_("The request carried no file text.")), 400
    filename = file_or_404(body.get("file"))
    org = scope_org_or_404(current_user, str(body.get("scope") or DEFAULT_SCOPE))
    data = _encoded(body["content"])
    refused = checks.check_bytes(filename, data)
    if refused:
        return jsonify(saved=False, message=_("The file was refused and not saved."),
                       problems=[p.as_dict() for p in refused]), 422
    lock = body.get("lock_version")
    try:
        draft = store.save_draft(current_user, filename, org, body["content"], lock if isinstance(lock, int) else None)
    except store.DefinitionConflict:
        return jsonify(saved=False, message=_("Someone else saved this draft in the meantime: reload the page "
                                              "to see their version.")), 409
    problems = checks.check_candidate(filename, data, org)
    return jsonify(saved=True, lock_version=draft.lock_version, problems=[p.as_dict() for p in problems],
                   message=_("Draft saved.") if not problems else
                   _("Draft saved with %(count)d problems: it cannot be published yet.", count=len(problems)))


@bp.post("/upload")
@committing
def upload():
    """Replace the draft with a file from the administrator's computer (after the same checks)."""
    filename = file_or_404(request.form.get("file"))
    org = scope_org_or_404(current_user, request.form.get("scope"))
    uploaded = request.files.get("upload")
    if uploaded is None or not uploaded.filename:
        return _edit_page(filename, org, [Problem(filename, None, None, _("Choose a file to upload."))], status=422)
    data = uploaded.stream.read(files.MAX_BYTES[files.kind_of(filename)] + 1)
    refused = checks.check_bytes(filename, data)
    if refused:
        return _edit_page(filename, org, refused, status=422)
    try:
        store.save_draft(current_user, filename, org, data.decode("utf-8"), None)
    except store.DefinitionConflict:
        raise Conflict(_("Someone else saved or published this file at the same moment. Reload and try again."))
    problems = checks.check_candidate(filename, data, org)
    if problems:
        return _edit_page(filename, org, problems, status=422)
    flash(_("File uploaded as the draft; no problems found."), "success")
    return redirect(url_for("editor.edit", file=filename, scope=scope_value(org)))


@bp.post("/publish")
@committing
def publish():
    """Check the edited text once more and, if nothing is wrong, make it the version in force."""
    filename = file_or_404(request.form.get("file"))
    org = scope_org_or_404(current_user, request.form.get("scope"))
    content = request.form.get("content", "")
    comment = (request.form.get("comment") or "").strip()
    data = _encoded(content)
    refused = checks.check_bytes(filename, data)
    if refused:
        return _edit_page(filename, org, refused, comment=comment, content=content, status=422)
    try:
        store.save_draft(current_user, filename, org, content, None)
    except store.DefinitionConflict:
        raise Conflict(_("Someone else saved or published this file at the same moment. Reload and try again."))
    if not comment or len(comment) > COMMENT_MAX:
        message = _("Say what changed and why (at most %(max)d characters).", max=COMMENT_MAX)
        return _edit_page(filename, org, comment=comment, comment_error=message, content=content, status=422)
    problems = checks.check_candidate(filename, data, org)
    if problems:
        return _edit_page(filename, org, problems, comment=comment, content=content, status=422)
    try:
        row = store.publish(current_user, filename, org, content, comment)
    except store.DefinitionConflict:
        raise Conflict(_("Someone else saved or published this file at the same moment. Reload and try again."))
    flash(_("Version %(number)d of %(file)s published; instances started from now on use it, running ones "
            "keep theirs.", number=row.number, file=filename), "success")
    return redirect(url_for("editor.history", file=filename, scope=scope_value(org)))
