"""FormLibrary: loads, checks and caches form files, and ties the pieces together."""
from __future__ import annotations

import contextlib
import copy
import pathlib
from collections.abc import Callable, Iterator

import referencing.exceptions
from markupsafe import Markup
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.datastructures import MultiDict

from . import messages
from .checks import check_form_schema, check_ui_schema, json_path, walk_objects
from .errors import FieldError, FormFileError
from .parsing import StoreFile, Submission, evidence_in, has_file_field, parse_object
from .rendering import render_form
from .source import file_stamp, is_plain_filename, is_ui_filename, read_json, safe_path
from .spec import FieldSpec, FormTooLarge, build_fields, label_at
from .text import MAX_DATA_BYTES, clean_strings, too_large
from .validation import collect_errors

# Keywords about completeness, which a draft need not meet yet; every other one (types, choices,
# maximum lengths, ...) holds for drafts too.
DRAFT_RELAXED = frozenset({"required", "minLength", "minItems", "minProperties", "dependentRequired",
                           "pattern", "format"})

# Keywords that take their value from the process data (see `_bound_schema`).
BINDINGS = ("x-options", "x-max-items", "x-min-items")

CheckDocument = Callable[[object, str], None]


class FormLibrary:
    """The form files of one directory. Safe to share between threads and requests."""

    def __init__(self, forms_dir: pathlib.Path, immutable: bool = False):
        """Serve the form files of ``forms_dir`` (nothing is read until asked).

        ``immutable``: the files never change (a stored, content-addressed form set), so a file
        once loaded and checked is not looked at on disk again (no stat, no path resolution).
        """
        self.immutable = immutable
        self.forms_dir = pathlib.Path(forms_dir).resolve()
        self._documents: dict[tuple[str, str], tuple[tuple, object]] = {}
        # filename -> stamps of every file its $refs were resolved against.
        self._refs_checked: dict[str, dict[str, tuple]] = {}
        # filename -> (its checked schema, whether it binds options or limits from the process data).
        self._binding: dict[str, tuple[dict, bool]] = {}
        # (filename, ui filename) -> (schema, ui, ref stamps, the field tree built from them).
        self._fields: dict[tuple[str, str | None], tuple] = {}
        # Resolves $refs between form files; refuses everything else (see _retrieve).
        self.registry = Registry(retrieve=self._retrieve)

    # -- loading -------------------------------------------------------------------------

    def _document(self, filename: str, kind: str, check: CheckDocument) -> object:
        """Parsed and checked file content, cached until the file changes."""
        if self.immutable and (kind, filename) in self._documents:
            return self._documents[(kind, filename)][1]
        path = safe_path(self.forms_dir, filename)
        stamp = file_stamp(path)
        cached = self._documents.get((kind, filename))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        document = read_json(path, filename)
        check(document, filename)
        self._documents[(kind, filename)] = (stamp, document)
        return document

    def _raw_schema(self, filename: str) -> dict:
        """A schema file checked on its own (metaschema, $ref syntax, our rules)."""
        return self._document(filename, "schema", check_form_schema)

    def _retrieve(self, uri: str) -> Resource:
        """referencing hook: only plain file names in the forms dir; never network or file://."""
        if not is_plain_filename(uri):
            raise referencing.exceptions.NoSuchResource(ref=uri)
        try:
            contents = self._raw_schema(uri)
        except FormFileError as error:
            raise referencing.exceptions.NoSuchResource(ref=uri) from error
        return Resource.from_contents(contents, default_specification=DRAFT202012)

    def _resolver(self, schema: dict):
        """A $ref resolver rooted at a form schema."""
        root = Resource.from_contents(schema, default_specification=DRAFT202012)
        return self.registry.resolver_with_root(root)

    def _checked_schema(self, filename: str) -> dict:
        """A schema whose $refs all resolve, including those of the files it refers to."""
        schema = self._raw_schema(filename)
        stamps = self._refs_checked.get(filename)
        if stamps is None or not (self.immutable or self._stamps_current(stamps)):
            self._refs_checked[filename] = self._check_refs(filename)
        return schema

    def _stamps_current(self, stamps: dict[str, tuple]) -> bool:
        """True if none of the files has changed since the stamps were taken."""
        try:
            return all(file_stamp(self.forms_dir / name) == stamp for name, stamp in stamps.items())
        except OSError:
            return False

    def _check_refs(self, filename: str) -> dict[str, tuple]:
        """Resolve every $ref of ``filename`` and of the files it reaches; stamps of all of them."""
        pending, stamps = [filename], {}
        while pending:
            name = pending.pop()
            if name in stamps:
                continue
            schema = self._raw_schema(name)
            stamps[name] = file_stamp(self.forms_dir / name)
            resolver = self._resolver(schema)
            for _path, node in walk_objects(schema):
                ref = node.get("$ref")
                if not isinstance(ref, str):
                    continue
                target = ref.partition("#")[0]
                if target:
                    self._check_ref_target(name, ref, target)
                    pending.append(target)
                with self._as_form_file_error(name, ref):
                    resolver.lookup(ref)
        with self._as_form_file_error(filename):
            collect_errors(self._raw_schema(filename), self.registry, {})  # catches $ref loops
        return stamps

    def _check_ref_target(self, filename: str, ref: str, target: str) -> None:
        """Load the file a $ref names, reporting its problem on the referring file."""
        try:
            self._raw_schema(target)
        except FormFileError as error:
            raise FormFileError(filename, f"$ref {ref!r}: {error}") from None

    @contextlib.contextmanager
    def _as_form_file_error(self, filename: str, ref: str | None = None) -> Iterator[None]:
        """Turn $ref and recursion failures into FormFileError (an admin's problem, not a 500)."""
        try:
            yield
        except referencing.exceptions.Unresolvable as error:
            ref = ref or getattr(error, "ref", "?")
            raise FormFileError(
                filename, f"$ref {ref!r} cannot be resolved (missing pointer or not allowed)"
            ) from None
        except RecursionError:
            raise FormFileError(
                filename, "schema refers to itself without end (or the data is nested too deeply)"
            ) from None
        except FormTooLarge as error:
            raise FormFileError(filename, str(error)) from None

    # -- public API ---------------------------------------------------------------------

    def schema(self, filename: str) -> dict:
        """The checked JSON Schema of a form (a copy: callers may modify it)."""
        return copy.deepcopy(self._checked_schema(filename))

    def property_names(self, filename: str) -> tuple[str, ...]:
        """The names of a form's top-level fields (read from the checked schema, nothing copied)."""
        return tuple((self._checked_schema(filename).get("properties") or {}).keys())

    def options(self, filename: str, field: str) -> list[dict]:
        """The labelled choices (``oneOf`` consts) of a top-level field, read-only and uncopied."""
        node = (self._checked_schema(filename).get("properties") or {}).get(field) or {}
        return [option for option in node.get("oneOf", []) if isinstance(option, dict)]

    def ui_schema(self, filename: str | None) -> dict:
        """The checked UI schema, or {} when the form has none."""
        if filename is None:
            return {}
        return copy.deepcopy(self._document(filename, "ui", check_ui_schema))

    def check_all(self) -> list[FormFileError]:
        """Problems of every *.json file in the forms directory (empty list: all good)."""
        problems = []
        for path in sorted(self.forms_dir.iterdir()):
            if not path.name.endswith(".json"):
                continue
            try:
                self._check_one(path.name, is_ui_filename(path.name))
            except FormFileError as error:
                problems.append(error)
        return problems

    def problem(self, filename: str, ui: bool = False) -> str | None:
        """What is wrong with the form a task names (name, file, schema, $refs, size), or None."""
        try:
            self._check_one(filename, ui)
        except FormFileError as error:
            return error.message
        return None

    def _check_one(self, filename: str, ui: bool) -> None:
        """Load a form file as a task would, raising FormFileError for any problem."""
        if ui:
            self.ui_schema(filename)
        else:
            self.fields(filename)  # also follows every $ref and counts the fields

    def _bound_schema(self, filename: str, context: dict | None) -> dict:
        """The checked schema with options and limits filled in from the process data.

        ``"x-options": "name"`` takes the choices of a field from the list ``context[name]``
        (items ``{"value", "title", "title_en"}``); ``"x-max-items"`` / ``"x-min-items"`` name a
        number in the context. A ballot's candidates and its quota are bound this way.
        """
        return self._bind(filename, self._checked_schema(filename), context)

    def _bind(self, filename: str, schema: dict, context: dict | None) -> dict:
        """`schema` itself when it binds nothing from `context`, else a bound copy."""
        if not context or not self._binds(filename, schema):
            return schema
        bound = copy.deepcopy(schema)
        for path, node in walk_objects(bound):
            if "x-options" in node:
                node["oneOf"] = _choices(filename, path, node["x-options"], context)
            for keyword, target in (("x-max-items", "maxItems"), ("x-min-items", "minItems")):
                if keyword in node:
                    node[target] = _count(filename, path, node[keyword], context)
        return bound

    def _binds(self, filename: str, schema: dict) -> bool:
        """True if the schema has anything to bind (most forms have not: no copy is made for them)."""
        cached = self._binding.get(filename)
        if cached is None or cached[0] is not schema:
            cached = (schema, any(keyword in node for _path, node in walk_objects(schema) for keyword in BINDINGS))
            self._binding[filename] = cached
        return cached[1]

    def fields(self, filename: str, ui_filename: str | None = None, context: dict | None = None) -> list[FieldSpec]:
        """The field tree of a form, as used by render and parse_submission (do not change it).

        Built once per version of the form's files when nothing is bound from the process data
        (most forms): a completion asked for it three times (parsing, its keys, its evidence).
        Labels are read per language when shown, so one tree serves both languages.
        """
        checked = self._checked_schema(filename)
        schema = self._bind(filename, checked, context)
        ui = self._document(ui_filename, "ui", check_ui_schema) if ui_filename else None
        unbound = schema is checked
        if unbound:
            stamps = self._refs_checked.get(filename)  # a new dict whenever a referenced file changed
            cached = self._fields.get((filename, ui_filename))
            if cached is not None and cached[0] is schema and cached[1] is ui and cached[2] is stamps:
                return cached[3]
        with self._as_form_file_error(filename):
            built = build_fields(schema, ui or {}, self._resolver(schema))
        if unbound:
            self._fields[(filename, ui_filename)] = (schema, ui, stamps, built)
        return built

    def evidence_ids(self, filename: str, data: dict) -> set[str]:
        """Every evidence id that `data` cites in the form's file fields."""
        return evidence_in(self.fields(filename), data)

    def takes_files(self, filename: str) -> bool:
        """True if the form has a file field: only then must its page post multipart/form-data
        (parsing a multipart body costs the server more than a plain one, even with no file in it)."""
        return has_file_field(self.fields(filename))

    def parse_submission(self, filename: str, form: MultiDict, files: MultiDict,
                         store_file: StoreFile, previous: dict | None = None,
                         context: dict | None = None,
                         ) -> tuple[dict, list[FieldError]]:
        """Typed data from a form post (text normalised), plus problems found while reading it."""
        # ``previous`` (the data saved before) limits which evidence ids may be kept from
        # hidden inputs, so a user cannot attach someone else's file by posting its id.
        specs = self.fields(filename, context=context)
        allowed = None if previous is None else evidence_in(specs, previous)
        submission = Submission(form, files, store_file, allowed)
        data, refused = clean_strings(parse_object(specs, "", (), submission))
        errors = list(submission.errors)
        if refused:
            schema = self._bound_schema(filename, context)
            resolver = self._resolver(schema)
            for path, code in refused:
                label = label_at(schema, resolver, path)
                errors.append(FieldError(path, label, messages.refused_character(label, code)))
        if too_large(data):
            errors.append(FieldError((), "", messages.form_too_large(MAX_DATA_BYTES // 1024)))
        return data, errors

    def validate(self, filename: str, data: dict, context: dict | None = None,
                 draft: bool = False) -> list[FieldError]:
        """JSON Schema validation with translated messages, one per field.

        A ``draft`` may still be incomplete (DRAFT_RELAXED), but not of the wrong type or size.
        """
        schema = self._bound_schema(filename, context)
        resolver = self._resolver(schema)
        with self._as_form_file_error(filename):
            errors = collect_errors(schema, self.registry, data)
            if draft:
                errors = [error for error in errors if not _incomplete(error)]
            return messages.field_errors(errors, lambda path: label_at(schema, resolver, path))

    def render(self, filename: str, ui_filename: str | None, data: dict,
               errors: list[FieldError], context: dict | None = None) -> Markup:
        """HTML of the form's fields (needs an app context; uses templates/forms/)."""
        return render_form(self.fields(filename, ui_filename, context), data or {}, errors)


def _incomplete(error) -> bool:
    """True for an error a draft may have: something still missing, or a box not yet ticked
    (a checkbox that must be true, such as a declaration of truthfulness)."""
    if error.validator in DRAFT_RELAXED:
        return True
    return error.validator in ("const", "enum") and isinstance(error.instance, bool)


def _choices(filename: str, path: tuple, name: object, context: dict) -> list[dict]:
    """The oneOf list for an ``x-options`` field, from the named list in the process data."""
    options = _lookup(context, name)
    if not isinstance(options, list) or not options:
        # Nothing to choose from: offer nothing, so any value is refused.
        return [{"const": None, "title": "—", "x-title-en": "—"}]
    return [
        {"const": str(item.get("value")), "title": str(item.get("title", item.get("value"))),
         "x-title-en": str(item.get("title_en") or item.get("title") or item.get("value"))}
        for item in options if isinstance(item, dict)
    ]


def _count(filename: str, path: tuple, name: object, context: dict) -> int:
    """A number named by ``x-max-items`` / ``x-min-items`` (an error if the data lacks it)."""
    value = _lookup(context, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FormFileError(filename, f"{json_path(path)}: {name!r} is not a count in the process data")
    return value


def _lookup(context: dict, name: object) -> object:
    """A value of the process data by name; "a.b" reads key b of the dictionary a."""
    if not isinstance(name, str):
        return None
    value: object = context
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
