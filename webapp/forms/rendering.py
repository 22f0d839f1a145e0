"""Building the view of a form (fields with values, errors, ids) and rendering it.

All text reaches HTML through Jinja autoescaping; nothing here is marked safe
except the final template output.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import flask
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..models import Evidence

from .errors import FieldError, field_id, field_name
from .localize import localized
from .spec import FieldSpec, choice_token, main_type
from .uploads import accepted_extensions, human_size, max_bytes
from .validation import EVIDENCE_ID_RE, local_today
from .views import FieldView, FormView, Option, RowView, SummaryItem

TEMPLATE = "forms/_form.html"


class _RowPlaceholder:
    """Stands for the row index in a <template> row; the add-row script replaces it."""

    def __str__(self) -> str:
        """The placeholder text in names and ids."""
        return "__i__"


ROW_PLACEHOLDER = _RowPlaceholder()


@dataclass(frozen=True)
class _Context:
    """Per-render settings passed down the field tree."""

    errors: dict[str, list[str]]
    in_template: bool = False  # inside a <template> or blank row: no defaults, no nested template
    use_defaults: bool = True


def render_form(specs: list[FieldSpec], data: dict, errors: list[FieldError]) -> Markup:
    """Render the form body (error summary, fields) as HTML; static/app.js adds rows."""
    by_name: dict[str, list[str]] = {}
    for error in errors:
        by_name.setdefault(error.name, []).append(error.message)
    fields = build_views(specs, data, (), _Context(by_name))
    form = FormView(
        fields=fields,
        summary=[SummaryItem(field_id(e.path) if e.path else "", e.message) for e in errors],
        evidence_base=_evidence_base(),
    )
    return Markup(flask.render_template(TEMPLATE, form=form))


def _evidence_base() -> str:
    """URL prefix of evidence links, honouring an app mounted below the site root."""
    root = flask.request.script_root if flask.has_request_context() else ""
    return f"{root}/evidence/"


def build_views(
    specs: list[FieldSpec], data: object, path: tuple, ctx: _Context
) -> list[FieldView]:
    """Views of the fields of one object."""
    data = data if isinstance(data, dict) else {}
    views = []
    for spec in specs:
        if spec.key in data:
            value = data[spec.key]
        else:
            value = spec.schema.get("default") if ctx.use_defaults else None
        views.append(build_view(spec, value, path + (spec.key,), ctx))
    return views


def build_view(spec: FieldSpec, value: object, path: tuple, ctx: _Context) -> FieldView:
    """View of one field with its current value and errors."""
    name = field_name(path)
    view = FieldView(
        kind=spec.kind, id=field_id(path), name=name, label=spec.label,
        required=spec.required,
        help=localized(spec.ui, "ui:help") or localized(spec.schema, "description"),
        placeholder=localized(spec.ui, "ui:placeholder"),
        errors=ctx.errors.get(name, []),
    )
    _FILLERS.get(spec.kind, _fill_text)(view, spec, value, path, ctx)
    return view


def _as_text(value: object) -> str:
    """Value shown in a text-like input."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill_text(
    view: FieldView, spec: FieldSpec, value: object, path: tuple, ctx: _Context
) -> None:
    """Text, textarea, date, email."""
    view.value = _as_text(value)
    if spec.schema.get("x-after-today") is True:
        view.attrs["min"] = (local_today() + timedelta(days=1)).isoformat()
    max_length = spec.schema.get("maxLength")
    if isinstance(max_length, int):
        view.attrs["maxlength"] = max_length


def _fill_number(
    view: FieldView, spec: FieldSpec, value: object, path: tuple, ctx: _Context
) -> None:
    """Number input with the schema's bounds."""
    view.value = _as_text(value)
    integer = main_type(spec.schema) == "integer"
    view.attrs = {
        "min": _bound(spec.schema.get("minimum")),
        "max": _bound(spec.schema.get("maximum")),
        "step": "1" if integer else "any",
        "inputmode": "numeric" if integer else "decimal",
    }


def _bound(value: object) -> str | None:
    """A numeric schema bound as an attribute value (None drops the attribute)."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return str(value) if is_number else None


def _fill_checkbox(
    view: FieldView, spec: FieldSpec, value: object, path: tuple, ctx: _Context
) -> None:
    """Single checkbox."""
    view.checked = value is True


def _fill_choices(
    view: FieldView, spec: FieldSpec, value: object, path: tuple, ctx: _Context
) -> None:
    """Select, radio group or checkbox group."""
    values = value if isinstance(value, list) else [value]
    chosen = {choice_token(item) for item in values if item is not None}
    view.options = [
        Option(f"{view.id}--{index}", choice.token, choice.label, choice.token in chosen)
        for index, choice in enumerate(spec.choices)
    ]


def _fill_evidence(
    view: FieldView, spec: FieldSpec, value: object, path: tuple, ctx: _Context
) -> None:
    """File input, with the ids of files already attached."""
    values = value if isinstance(value, list) else [value]
    view.attached = [
        item for item in values if isinstance(item, str) and EVIDENCE_ID_RE.fullmatch(item)
    ]
    view.attached_names = attached_file_names(view.attached)
    extensions = accepted_extensions(spec.upload_schema)
    view.attrs["accept"] = ",".join(extensions)
    hint = gettext(
        "Allowed file types: %(types)s. Maximum size: %(size)s.",
        types=", ".join(extensions), size=human_size(max_bytes(spec.upload_schema)),
    )
    view.help = f"{view.help} {hint}" if view.help else hint


def _fill_lines(
    view: FieldView, spec: FieldSpec, value: object, path: tuple, ctx: _Context
) -> None:
    """Array of scalars as a textarea, one item per line."""
    items = value if isinstance(value, list) else []
    view.value = "\n".join(_as_text(item) for item in items)


def _fill_group(
    view: FieldView, spec: FieldSpec, value: object, path: tuple, ctx: _Context
) -> None:
    """Nested object."""
    view.children = build_views(spec.children, value, path, ctx)


def _fill_repeat(
    view: FieldView, spec: FieldSpec, value: object, path: tuple, ctx: _Context
) -> None:
    """Repeated section: existing rows, one blank row, and a template for the add button."""
    items = [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
    items = items[:spec.max_rows]
    view.rows = [_row(spec, item, path + (index,), ctx) for index, item in enumerate(items)]
    blank = replace(ctx, in_template=True, use_defaults=False)
    if len(view.rows) < spec.max_rows:
        row = _row(spec, {}, path + (len(view.rows),), replace(ctx, use_defaults=False))
        if view.rows:
            # A form shown again keeps the rows it had: the add-row button adds more, and only
            # browsers without JavaScript get a spare blank row (inside <noscript>).
            view.spare_row = row
        else:
            view.rows.append(row)
    if not ctx.in_template:
        # Nested repeats inside a template get no template of their own: it keeps the
        # page size linear and the placeholder unambiguous.
        view.template_row = _row(spec, {}, path + (ROW_PLACEHOLDER,), blank)
    view.max_rows = spec.max_rows
    view.next_index = len(view.rows) + (1 if view.spare_row is not None else 0)


def _row(spec: FieldSpec, item: dict, path: tuple, ctx: _Context) -> RowView:
    """One row of a repeated section."""
    index = path[-1]
    number = "__n__" if index is ROW_PLACEHOLDER else index + 1
    return RowView(
        id=field_id(path),
        legend=gettext("Item %(num)s", num=number),
        fields=build_views(spec.children, item, path, ctx),
        errors=ctx.errors.get(field_name(path), []),
    )


_FILLERS = {
    "number": _fill_number,
    "checkbox": _fill_checkbox,
    "select": _fill_choices,
    "radio": _fill_choices,
    "checkboxes": _fill_choices,
    "evidence": _fill_evidence,
    "evidence_list": _fill_evidence,
    "lines": _fill_lines,
    "group": _fill_group,
    "repeat": _fill_repeat,
}


def attached_file_names(evidence_ids: list[str]) -> dict[str, str]:
    """The names the current user's files were uploaded as (a form shows only its user's own files).

    Outside the app (a form rendered with no database or login) the files keep numbered labels.
    """
    app = flask.current_app
    if not evidence_ids or "sqlalchemy" not in app.extensions or not hasattr(app, "login_manager"):
        return {}
    if not getattr(current_user, "is_authenticated", False):
        return {}
    return dict(db.session.execute(
        select(Evidence.digest, Evidence.original_name)
        .where(Evidence.digest.in_(evidence_ids), Evidence.uploaded_by_id == current_user.id)
    ).all())
