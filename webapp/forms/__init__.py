"""Forms for user tasks, described by JSON Schema (draft 2020-12) files in ``forms/``.

Form files are written by administrators and treated as untrusted: file names
must be plain (``^[A-Za-z0-9_][A-Za-z0-9_.-]*\\.json$``, inside the forms dir, no
symlinks out), files are at most 256 KB of UTF-8 JSON, schemas must pass the
2020-12 metaschema, ``$ref`` may only name another file of the forms dir, a
schema expands to at most 500 fields once its ``$ref``s are followed, and
``pattern`` is matched with a timeout. Problems raise :class:`FormFileError`.
Typed text (drafts too) is normalised to NFC; control, text-direction and lone
surrogate characters are refused; one form holds at most 256 KB (``text.py``).

Conventions of our schemas
--------------------------
* ``title`` / ``description`` are Chinese; ``x-title-en`` / ``x-description-en``
  give English. The current Flask-Babel locale picks one ('zh...' Chinese, any
  other English) and falls back to the other when missing.
* Property names are identifiers not starting with ``_`` and without ``__``
  (they become task-data variables).
* Labelled choices: ``"oneOf": [{"const": "county", "title": "县级",
  "x-title-en": "County"}, ...]`` (``anyOf`` too) -> ``<select>``, or radios with
  ``"ui:widget": "radio"``. A plain ``enum`` works too (label = value).
* ``"format": "date"`` -> date input; ``"format": "email"`` -> email input;
  integer/number -> number input with min/max; boolean -> checkbox; a string
  with ``maxLength`` > 200 or ``"ui:widget": "textarea"`` -> textarea.
* An object property -> a fieldset of its fields (names ``address.city``).
* Array of choices (``items`` with oneOf/enum, usually ``uniqueItems``) -> checkboxes.
  Array of objects -> repeated section, one fieldset per item, names like
  ``papers[0].title``; existing items plus one blank row, and an "add row"
  button (JavaScript cloning a ``<template>``). Array of other scalars ->
  textarea, one item per line.
* Evidence files: ``{"type": "string", "format": "x-evidence", "x-accept":
  [".pdf", ".jpg", ".png"], "x-max-bytes": 10485760}``; the value is an evidence
  id (e.g. ``sha256-<hex>``), shown as a link to ``/evidence/<id>``. Defaults:
  .pdf/.jpg/.jpeg/.png, 10 MB. An array whose items are such strings = several files.
* A date with ``"x-after-today": true`` must be later than today (a new deadline); the date
  input gets the matching ``min``.
* Not supported: ``$id``, ``patternProperties`` (refused at load), ``allOf``/``if``
  for layout (they still validate, but add no fields).

UI schema (optional, ``*uischema.json``): ``ui:order`` (list of field names,
``"*"`` for the rest), per field ``ui:widget`` (radio, select, textarea, text),
``ui:help`` / ``ui:help-en``, ``ui:placeholder`` / ``ui:placeholder-en``. Nested
objects nest their entries; rows of an array of objects use ``"items": {...}``.

Typical use in a view::

    data, errors = library.parse_submission(fn, request.form, request.files, store, previous)
    errors = merge_errors(errors, library.validate(fn, data))
"""
from .errors import FieldError, FormFileError, merge_errors
from .library import FormLibrary

__all__ = ["FieldError", "FormFileError", "FormLibrary", "merge_errors"]
