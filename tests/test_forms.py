"""Tests of webapp.forms: loading untrusted form files, parsing posts, validating, rendering."""
from __future__ import annotations

import io
import json
import os
import socket
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import referencing.exceptions
from flask import Flask
from flask_babel import Babel, force_locale
from werkzeug.datastructures import FileStorage, MultiDict

from webapp.forms import FieldError, FormFileError, FormLibrary, merge_errors

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n%fake but starts right\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32

EVIDENCE = {
    "type": "string", "format": "x-evidence", "title": "证书", "x-title-en": "Certificate",
    "x-accept": [".pdf", ".png"], "x-max-bytes": 1024,
}
APPLICATION = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "自主申报", "x-title-en": "Self application",
    "type": "object",
    "required": ["name", "level"],
    "properties": {
        "name": {"type": "string", "title": "姓名", "x-title-en": "Name", "maxLength": 20},
        "statement": {"type": "string", "title": "个人陈述", "x-title-en": "Statement",
                      "maxLength": 2000},
        "birth_date": {"type": "string", "format": "date", "title": "出生日期",
                       "x-title-en": "Date of birth"},
        "email": {"type": "string", "format": "email", "title": "电子邮箱", "x-title-en": "Email"},
        "years": {"type": "integer", "title": "教龄", "x-title-en": "Years of teaching",
                  "minimum": 0, "maximum": 50},
        "score": {"type": "number", "title": "考核分", "x-title-en": "Score"},
        "agree": {"type": "boolean", "title": "同意", "x-title-en": "I agree"},
        "level": {"type": "string", "title": "申报级别", "x-title-en": "Level", "oneOf": [
            {"const": "county", "title": "县级", "x-title-en": "County"},
            {"const": "city", "title": "市级", "x-title-en": "City"},
        ]},
        "grade": {"type": "integer", "enum": [1, 2, 3], "title": "等级"},
        "subjects": {"type": "array", "uniqueItems": True, "title": "学科",
                     "x-title-en": "Subjects",
                     "items": {"type": "string", "enum": ["语文", "数学", "英语"]}},
        "keywords": {"type": "array", "title": "关键词", "items": {"type": "string"}},
        "address": {"type": "object", "title": "地址", "properties": {
            "city": {"type": "string", "title": "城市"},
            "street": {"type": "string", "title": "街道"},
        }},
        "papers": {"type": "array", "title": "论文", "x-title-en": "Papers", "maxItems": 3,
                   "items": {"type": "object", "required": ["title"], "properties": {
                       "title": {"type": "string", "title": "题目", "x-title-en": "Title"},
                       "year": {"type": "integer", "title": "年份", "x-title-en": "Year"},
                       "pdf": EVIDENCE,
                   }}},
        "certificate": EVIDENCE,
        "attachments": {"type": "array", "title": "附件", "x-title-en": "Attachments",
                        "items": EVIDENCE},
    },
}


# -- fixtures and helpers ------------------------------------------------------------------

@pytest.fixture
def forms_app():
    """A minimal app with Flask-Babel (default zh_CN) and the project's templates."""
    app = Flask(__name__, template_folder=str(ROOT / "webapp" / "templates"))
    app.config["TESTING"] = True
    Babel(app, default_locale="zh_CN")
    with app.test_request_context():
        yield app


@pytest.fixture
def forms_dir(tmp_path):
    """An empty forms directory."""
    directory = tmp_path / "forms"
    directory.mkdir()
    return directory


@pytest.fixture
def library(forms_dir):
    """A library holding the sample application form."""
    write(forms_dir, "application.schema.json", APPLICATION)
    return FormLibrary(forms_dir)


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to open a socket."""
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def write(forms_dir: Path, name: str, document: object) -> None:
    """Write a JSON document into the forms directory."""
    (forms_dir / name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def form_schema(**properties) -> dict:
    """A small object schema with the given properties."""
    return {"type": "object", "properties": properties}


def upload(content: bytes, filename: str) -> FileStorage:
    """A posted file."""
    return FileStorage(stream=io.BytesIO(content), filename=filename)


class Store:
    """store_file callback recording what it was given."""

    def __init__(self, refuse: str | None = None):
        self.calls = []
        self.refuse = refuse

    def __call__(self, file: FileStorage, schema: dict) -> str:
        if self.refuse:
            raise ValueError(self.refuse)
        self.calls.append((file.filename, file.read(), schema))
        return f"sha256-{len(self.calls):064x}"


def parse(library, pairs, files=(), store=None, previous=None, name="application.schema.json"):
    """parse_submission with lists of pairs."""
    return library.parse_submission(
        name, MultiDict(pairs), MultiDict(list(files)), store or Store(), previous=previous
    )


class SubmittedControls(HTMLParser):
    """What a browser without JavaScript would post from rendered HTML (files aside)."""

    def __init__(self):
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self.template_depth = 0
        self.select: str | None = None
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "template":
            self.template_depth += 1
        if self.template_depth:
            return
        if tag == "input":
            kind = attributes.get("type", "text")
            if kind == "file" or (kind in ("checkbox", "radio") and "checked" not in attributes):
                return
            self.pairs.append((attributes["name"], attributes.get("value", "")))
        elif tag == "select":
            self.select = attributes["name"]
        elif tag == "option" and self.select and "selected" in attributes:
            self.pairs.append((self.select, attributes["value"]))
        elif tag == "textarea":
            self.textarea, self.text = attributes["name"], []

    def handle_endtag(self, tag):
        if tag == "template":
            self.template_depth -= 1
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea and not self.template_depth:
            value = "".join(self.text)
            self.pairs.append((self.textarea, value[1:] if value.startswith("\n") else value))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)


def controls(html: str) -> list[tuple[str, str]]:
    """Name/value pairs a browser would submit from ``html``."""
    parser = SubmittedControls()
    parser.feed(html)
    return parser.pairs


def messages_by_name(errors: list[FieldError]) -> dict[str, str]:
    """Field name -> message."""
    return {error.name: error.message for error in errors}


# -- parsing submissions -------------------------------------------------------------------

def test_coerces_every_field_type(forms_app, library):
    data, errors = parse(library, [
        ("name", "  张三  "), ("statement", "　　第一段\r\n第二段"), ("birth_date", "1980-05-01"),
        ("email", "zs@example.cn"), ("years", "12"), ("score", "88.5"), ("agree", "true"),
        ("level", "city"), ("grade", "2"), ("subjects", "语文"), ("subjects", "英语"),
        ("subjects", "语文"), ("keywords", "阅读\r\n\r\n 写作 \n"), ("address.city", "杭州"),
    ])
    assert errors == []
    assert data == {
        "name": "张三", "statement": "　　第一段\n第二段", "birth_date": "1980-05-01",
        "email": "zs@example.cn", "years": 12, "score": 88.5, "agree": True, "level": "city",
        "grade": 2, "subjects": ["语文", "英语"], "keywords": ["阅读", "写作"],
        "address": {"city": "杭州"},
    }
    assert type(data["years"]) is int and type(data["grade"]) is int


def test_empty_inputs_are_absent_and_unticked_checkbox_is_false(forms_app, library):
    data, errors = parse(library, [
        ("name", "   "), ("years", ""), ("level", ""), ("statement", " \r\n "),
        ("address.city", ""), ("address.street", " "), ("papers[0].title", ""),
    ])
    assert errors == []
    assert data == {"agree": False}


def test_unknown_private_and_dunder_keys_are_dropped(forms_app, library):
    data, _ = parse(library, [
        ("name", "张三"), ("unknown", "x"), ("_secret", "x"), ("__class__", "x"),
        ("__builtins__", "x"), ("len", "x"), ("address.__dict__", "x"),
        ("papers[0].title", "论文"), ("papers[0].__init__", "x"), ("papers[0]._x", "x"),
    ])
    assert data == {"name": "张三", "agree": False, "papers": [{"title": "论文"}]}


def test_schema_declaring_private_or_dunder_property_is_refused(forms_dir):
    for bad in ("_secret", "__class__", "a__b", "has-dash"):
        write(forms_dir, "bad.schema.json", form_schema(**{bad: {"type": "string"}}))
        with pytest.raises(FormFileError, match="property name"):
            FormLibrary(forms_dir).schema("bad.schema.json")


def test_bad_numbers_become_field_errors(forms_app, library):
    with force_locale("en"):
        data, errors = parse(library, [
            ("years", "12.5"), ("score", "1e999"), ("papers[0].title", "t"),
            ("papers[0].year", "二〇二〇"),
        ])
    assert "years" not in data and "score" not in data
    assert messages_by_name(errors) == {
        "years": "Years of teaching must be a whole number.",
        "score": "Score must be a number.",
        "papers[0].year": "Year must be a whole number.",
    }


def test_numbers_accept_signs_exponents_and_whole_floats(forms_app, library):
    data, errors = parse(library, [("years", "+3.0"), ("score", "-1.5e2")])
    assert errors == []
    assert data["years"] == 3 and type(data["years"]) is int
    assert data["score"] == -150.0


def test_repeated_rows_are_reindexed_and_empty_rows_dropped(forms_app, library):
    data, errors = parse(library, [
        ("papers[7].title", "乙"), ("papers[2].title", "甲"), ("papers[2].year", "2020"),
        ("papers[4].title", ""), ("papers[4].year", " "), ("papers[x].title", "ignored"),
        ("papers[9]", "ignored"), ("papers[11].unknown", "ignored"),
    ])
    assert errors == []
    assert data["papers"] == [{"title": "甲", "year": 2020}, {"title": "乙"}]


def test_repeated_rows_are_capped_at_max_items(forms_app, library):
    pairs = [(f"papers[{index}].title", f"论文{index}") for index in range(10)]
    with force_locale("en"):
        data, errors = parse(library, pairs)
    assert [row["title"] for row in data["papers"]] == ["论文0", "论文1", "论文2"]
    assert messages_by_name(errors) == {"papers": "Papers allows at most 3 items."}


def test_rows_without_max_items_are_capped_at_200(forms_app, forms_dir):
    write(forms_dir, "rows.schema.json", form_schema(
        rows={"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}}
    ))
    pairs = [(f"rows[{index}].a", "x") for index in range(250)]
    data, errors = parse(FormLibrary(forms_dir), pairs, name="rows.schema.json")
    assert len(data["rows"]) == 200 and len(errors) == 1


def test_unknown_choice_passes_through_for_validation_to_reject(forms_app, library):
    data, _ = parse(library, [("name", "张三"), ("level", "province"), ("grade", "7")])
    assert data["level"] == "province" and data["grade"] == "7"
    with force_locale("en"):
        messages = messages_by_name(library.validate("application.schema.json", data))
    assert messages["level"] == "Level: please choose one of the offered options."
    assert messages["grade"] == "等级: please choose one of the offered options."


# -- evidence files ------------------------------------------------------------------------

def test_upload_is_stored_and_its_id_kept(forms_app, library):
    store = Store()
    data, errors = parse(library, [], [("certificate", upload(PDF, "证书.PDF"))], store)
    assert errors == []
    assert data["certificate"] == f"sha256-{1:064x}"
    filename, content, schema = store.calls[0]
    assert (filename, content) == ("证书.PDF", PDF)  # stream rewound before storing
    assert schema["x-max-bytes"] == 1024


def test_upload_too_large_wrong_type_empty_or_disguised_is_refused(forms_app, library):
    store = Store()
    with force_locale("en"):
        cases = {
            "big.pdf": (PDF + b"x" * 2000, "Certificate: the file is larger than 1 KB."),
            "run.exe": (PDF, "Certificate: files of type .exe are not accepted (allowed: .pdf, .png)."),
            "noext": (PDF, "Certificate: files of type ? are not accepted (allowed: .pdf, .png)."),
            "empty.pdf": (b"", "Certificate: the file is empty."),
            "fake.png": (PDF, "Certificate: the file content does not match its type .png."),
        }
        for filename, (content, expected) in cases.items():
            data, errors = parse(library, [], [("certificate", upload(content, filename))], store)
            assert "certificate" not in data
            assert messages_by_name(errors) == {"certificate": expected}, filename
    assert store.calls == []


@pytest.mark.parametrize("filename, fragment", [
    ("a" * 252 + ".pdf", "the file name is too long"),  # 256 bytes
    ("证" * 84 + ".pdf", "the file name is too long"),  # 84 characters, 256 bytes
    ("CON.pdf", "Windows reserves for a device"),
    ("nul.pdf", "Windows reserves for a device"),
    ("Aux", "Windows reserves for a device"),
    ("com1.tar.pdf", "Windows reserves for a device"),
    ("LPT9 .pdf", "Windows reserves for a device"),
    ("a\r\nb.pdf", "contains a line break"),
    ("a\x00.pdf", "contains a line break or another control character"),
])
def test_upload_names_that_no_file_system_keeps_are_refused(forms_app, library, filename, fragment):
    store = Store()
    with force_locale("en"):
        data, errors = parse(library, [], [("certificate", upload(PDF, filename))], store)
    assert "certificate" not in data
    assert fragment in messages_by_name(errors)["certificate"]
    assert store.calls == []


@pytest.mark.parametrize("filename", ["a" * 251 + ".pdf", "证" * 83 + ".pdf", "console.pdf", "CON1.pdf",
                                      "COM10.pdf", "my nul.pdf", "LPT.pdf"])
def test_upload_names_close_to_the_limits_are_accepted(forms_app, library, filename):
    store = Store()
    data, errors = parse(library, [], [("certificate", upload(PDF, filename))], store)
    assert errors == []
    assert store.calls[0][0] == filename


def test_store_refusal_becomes_field_error(forms_app, library):
    store = Store(refuse="病毒扫描未通过")
    data, errors = parse(library, [], [("certificate", upload(PNG, "a.png"))], store)
    assert "certificate" not in data
    assert errors == [FieldError(("certificate",), "证书", "病毒扫描未通过")]


def test_hidden_evidence_id_is_kept_and_empty_file_input_ignored(forms_app, library):
    kept = "sha256-" + "a" * 64
    data, errors = parse(library, [("certificate", kept)],
                         [("certificate", FileStorage(io.BytesIO(b""), filename=""))])
    assert errors == []
    assert data == {"certificate": kept, "agree": False}


def test_text_under_a_file_field_is_reported_not_dropped(forms_app, library):
    """A file part whose header broke (a line break in its name) reaches us as a text field."""
    with force_locale("en"):
        data, errors = parse(library, [("attachments", "../../etc/passwd"), ("certificate", "%PDF-1.4 …")])
    assert "attachments" not in data and "certificate" not in data
    assert set(messages_by_name(errors)) == {"attachments", "certificate"}
    assert "its name probably contains a line break" in messages_by_name(errors)["certificate"]


def test_previous_data_limits_which_evidence_ids_may_be_kept(forms_app, library):
    mine, theirs = "sha256-" + "a" * 64, "sha256-" + "b" * 64
    previous = {"certificate": mine, "name": theirs}  # a text field does not count
    data, _ = parse(library, [("certificate", theirs), ("attachments", mine),
                              ("attachments", theirs)], previous=previous)
    assert "certificate" not in data
    assert data["attachments"] == [mine]


def test_multiple_files_combine_kept_and_new(forms_app, library):
    kept = "sha256-" + "c" * 64
    data, errors = parse(library, [("attachments", kept)], [
        ("attachments", upload(PDF, "a.pdf")), ("attachments", upload(PNG, "b.png")),
    ])
    assert errors == []
    assert data["attachments"] == [kept, f"sha256-{1:064x}", f"sha256-{2:064x}"]


def test_upload_inside_repeated_row(forms_app, library):
    data, errors = parse(library, [("papers[3].title", "论文")],
                         [("papers[3].pdf", upload(PDF, "p.pdf"))])
    assert errors == []
    assert data["papers"] == [{"title": "论文", "pdf": f"sha256-{1:064x}"}]


# -- validation ----------------------------------------------------------------------------

def test_validation_messages_in_english(forms_app, library):
    data = {
        "name": "x" * 21, "birth_date": "1980-02-30", "email": "no-at-sign", "years": 51,
        "score": "high", "level": "province", "subjects": ["语文", "语文"],
        "papers": [{"year": 2020}, {"title": "b"}, {"title": "c"}, {"title": "d"}],
        "certificate": "not an id!",
    }
    with force_locale("en"):
        messages = messages_by_name(library.validate("application.schema.json", data))
    assert messages == {
        "name": "Name must be at most 20 characters long.",
        "birth_date": "Date of birth must be a date (YYYY-MM-DD).",
        "email": "Email must be an email address.",
        "years": "Years of teaching must be at most 50.",
        "score": "Score must be a number.",
        "level": "Level: please choose one of the offered options.",
        "subjects": "Subjects contains duplicates.",
        "papers": "Papers allows at most 3 items.",
        "papers[0].title": "Title is required.",
        "certificate": "Certificate: invalid value.",
    }


def test_required_fields_each_get_an_error(forms_app, library):
    with force_locale("en"):
        errors = library.validate("application.schema.json", {})
    assert [(e.path, e.label, e.message) for e in errors] == [
        (("name",), "Name", "Name is required."),
        (("level",), "Level", "Level is required."),
    ]


def test_labels_are_chinese_by_default(forms_app, library):
    errors = library.validate("application.schema.json", {"level": "county"})
    assert errors == [FieldError(("name",), "姓名", "姓名 is required.")]


def test_more_limits_are_translated(forms_app, forms_dir):
    write(forms_dir, "limits.schema.json", form_schema(
        a={"type": "integer", "exclusiveMinimum": 0, "title": "A"},
        b={"type": "number", "exclusiveMaximum": 1, "minimum": 0.5, "title": "B"},
        c={"type": "string", "minLength": 2, "pattern": "^[0-9]+$", "title": "C"},
        d={"type": "array", "minItems": 1, "items": {"type": "string"}, "title": "D"},
        e={"type": "object", "additionalProperties": False, "title": "E",
           "properties": {"x": {"type": "string"}}},
        f={"const": True, "title": "F"},
        g={"type": "string", "title": "G", "not": {"const": "x"}},
    ))
    data = {"a": 0, "b": 0.2, "c": "x", "d": [], "e": {"y": 1}, "f": False, "g": "x"}
    with force_locale("en"):
        messages = messages_by_name(FormLibrary(forms_dir).validate("limits.schema.json", data))
    assert messages == {
        "a": "A must be greater than 0.",
        "b": "B must be at least 0.5.",
        "c": "C must be at least 2 characters long.",
        "d": "D needs at least 1 item.",
        "e": "E contains unexpected fields.",
        "f": "F: please choose one of the offered options.",
        "g": "G: invalid value.",
    }


def test_merge_errors_keeps_first_per_field(forms_app, library):
    with force_locale("en"):
        data, parse_errors = parse(library, [("years", "abc"), ("level", "city")])
        schema_with_required_years = library.validate("application.schema.json", data)
    merged = merge_errors(parse_errors, schema_with_required_years,
                          [FieldError(("years",), "x", "later")])
    assert messages_by_name(merged) == {"years": "Years of teaching must be a whole number.",
                                        "name": "Name is required."}


# -- loading form files safely -------------------------------------------------------------

@pytest.mark.parametrize("filename", [
    "../application.schema.json", "sub/x.json", "/etc/passwd", "..json", ".hidden.json",
    "x.json\n", "x.json/", "x.JSON", "x.txt", "", "a b.json", "x%2e.json", "C:\\x.json",
])
def test_bad_file_names_are_refused(library, filename):
    with pytest.raises(FormFileError, match="file name"):
        library.schema(filename)


def test_symlink_out_of_forms_dir_is_refused(tmp_path, forms_dir, library):
    secret = tmp_path / "secret.json"
    secret.write_text('{"type": "object"}', encoding="utf-8")
    os.symlink(secret, forms_dir / "link.schema.json")
    os.symlink(forms_dir / "application.schema.json", forms_dir / "alias.schema.json")
    with pytest.raises(FormFileError, match="outside the forms directory"):
        library.schema("link.schema.json")
    assert library.schema("alias.schema.json")["title"] == "自主申报"  # links inside are fine


def test_missing_file_and_directory_are_refused(forms_dir, library):
    (forms_dir / "dir.json").mkdir()
    with pytest.raises(FormFileError, match="not found"):
        library.schema("missing.schema.json")
    with pytest.raises(FormFileError, match="not a regular file"):
        library.schema("dir.json")


def test_file_content_problems_are_clear(forms_dir):
    library = FormLibrary(forms_dir)
    (forms_dir / "big.json").write_bytes(b" " * (256 * 1024) + b"{}")
    (forms_dir / "gbk.json").write_bytes('{"title": "申报"}'.encode("gbk"))
    (forms_dir / "broken.json").write_bytes(b'{\n  "type": "object",\n}')
    (forms_dir / "dup.json").write_bytes(b'{"type": "object", "type": "string"}')
    (forms_dir / "nan.json").write_bytes(b'{"maximum": NaN}')
    (forms_dir / "list.json").write_bytes(b"[]")
    (forms_dir / "bom.json").write_bytes('\ufeff{"title": "申报"}'.encode("utf-8"))
    expected = {
        "big.json": "larger than 256 KB", "gbk.json": "not valid UTF-8",
        "broken.json": "line 3 column 1", "dup.json": "duplicate key 'type'",
        "nan.json": "NaN is not allowed", "list.json": "must be a JSON object",
    }
    for filename, fragment in expected.items():
        with pytest.raises(FormFileError, match=fragment) as caught:
            library.schema(filename)
        assert caught.value.filename == filename
        assert str(caught.value).startswith(f"{filename}: ")
    assert library.schema("bom.json") == {"title": "申报"}


def test_metaschema_violation_names_the_json_path(forms_dir):
    write(forms_dir, "bad.schema.json", form_schema(name={"type": "text"}))
    with pytest.raises(FormFileError) as caught:
        FormLibrary(forms_dir).schema("bad.schema.json")
    assert "$.properties.name.type" in caught.value.message


def test_other_json_schema_dialects_are_refused(forms_dir):
    write(forms_dir, "old.schema.json", {"$schema": "http://json-schema.org/draft-04/schema#"})
    with pytest.raises(FormFileError, match=r"\$schema must be"):
        FormLibrary(forms_dir).schema("old.schema.json")


@pytest.mark.parametrize("ref", [
    "http://127.0.0.1:9/evil.json", "https://example.com/x.json#/a", "file:///etc/passwd",
    "//example.com/x.json", "../forms/x.json", "sub/x.json", "urn:uuid:1234",
    "x.json?y=1", "/etc/passwd",
])
def test_remote_and_file_refs_are_refused_without_network(forms_dir, no_network, ref):
    write(forms_dir, "x.json", {"type": "string"})
    write(forms_dir, "evil.schema.json", form_schema(a={"$ref": ref}))
    with pytest.raises(FormFileError, match="not allowed"):
        FormLibrary(forms_dir).schema("evil.schema.json")


def test_registry_refuses_urls_even_if_asked_directly(forms_dir, no_network, library):
    resolver = library.registry.resolver()
    for uri in ("http://127.0.0.1:9/x.json", "file:///etc/passwd", "../forms/x.json"):
        with pytest.raises(referencing.exceptions.Unresolvable):
            resolver.lookup(uri)


def test_id_keyword_is_refused(forms_dir):
    write(forms_dir, "id.schema.json", {"$id": "https://example.com/x", "type": "object"})
    with pytest.raises(FormFileError, match=r"\$id is not supported"):
        FormLibrary(forms_dir).schema("id.schema.json")


def test_local_ref_to_another_form_file(forms_app, forms_dir, no_network):
    write(forms_dir, "common.schema.json", {"$defs": {
        "phone": {"type": "string", "pattern": "^1[0-9]{10}$", "title": "电话",
                  "x-title-en": "Phone"},
        "person": {"type": "object", "properties": {"phone": {"$ref": "#/$defs/phone"}}},
    }})
    write(forms_dir, "contact.schema.json", form_schema(
        mobile={"$ref": "common.schema.json#/$defs/phone", "title": "手机",
                "x-title-en": "Mobile"},
        referee={"$ref": "common.schema.json#/$defs/person", "title": "推荐人"},
    ))
    library = FormLibrary(forms_dir)
    assert library.schema("contact.schema.json")["properties"]["mobile"]["title"] == "手机"
    with force_locale("en"):
        errors = library.validate("contact.schema.json",
                                  {"mobile": "123", "referee": {"phone": "abc"}})
    assert messages_by_name(errors) == {
        "mobile": "Mobile is not in the expected format.",
        "referee.phone": "Phone is not in the expected format.",
    }
    data, errors = parse(library, [("mobile", "13800138000"), ("referee.phone", "13900139000")],
                         name="contact.schema.json")
    assert errors == [] and data == {"mobile": "13800138000",
                                     "referee": {"phone": "13900139000"}}
    html = library.render("contact.schema.json", None, data, [])
    assert 'name="referee.phone"' in html and "手机" in html


def test_ref_to_missing_file_or_pointer_is_refused(forms_dir):
    write(forms_dir, "common.schema.json", {"$defs": {}})
    write(forms_dir, "a.schema.json", form_schema(x={"$ref": "missing.schema.json"}))
    write(forms_dir, "b.schema.json", form_schema(x={"$ref": "common.schema.json#/$defs/nope"}))
    write(forms_dir, "c.schema.json", form_schema(x={"$ref": "#/$defs/nope"}))
    write(forms_dir, "d.schema.json", form_schema(x={"$ref": "broken.schema.json"}))
    (forms_dir / "broken.schema.json").write_bytes(b"{oops")
    library = FormLibrary(forms_dir)
    expected = {
        "a.schema.json": "$ref 'missing.schema.json': missing.schema.json: file not found",
        "b.schema.json": "$ref 'common.schema.json#/$defs/nope' cannot be resolved",
        "c.schema.json": "$ref '#/$defs/nope' cannot be resolved",
        "d.schema.json": "$ref 'broken.schema.json': broken.schema.json: invalid JSON at line 1",
    }
    for filename, start in expected.items():
        with pytest.raises(FormFileError) as caught:
            library.schema(filename)
        assert caught.value.filename == filename
        assert caught.value.message.startswith(start)


def test_refs_reached_through_another_file_are_checked_too(forms_dir):
    write(forms_dir, "middle.schema.json", {"$defs": {"x": {"$ref": "http://evil/x.json"}}})
    write(forms_dir, "top.schema.json", form_schema(a={"$ref": "middle.schema.json#/$defs/x"}))
    with pytest.raises(FormFileError, match="not allowed"):
        FormLibrary(forms_dir).schema("top.schema.json")


def test_cache_follows_file_changes(forms_dir):
    library = FormLibrary(forms_dir)
    write(forms_dir, "f.schema.json", {"title": "旧"})
    assert library.schema("f.schema.json")["title"] == "旧"
    write(forms_dir, "f.schema.json", {"title": "新的标题"})
    os.utime(forms_dir / "f.schema.json", ns=(1, 1))  # even with an older mtime
    assert library.schema("f.schema.json")["title"] == "新的标题"
    library.schema("f.schema.json")["title"] = "changed by a caller"
    assert library.schema("f.schema.json")["title"] == "新的标题"


def test_field_tree_is_built_once_per_version_of_its_files(forms_dir):
    """`fields` keeps the tree of an unbound form until the form, its UI file or a file its
    $refs reach changes; a form bound from process data gets a tree of its own each time."""
    library = FormLibrary(forms_dir)
    write(forms_dir, "parts.schema.json", {"$defs": {"name": {"type": "string", "title": "姓名"}}})
    write(forms_dir, "f.schema.json", form_schema(a={"$ref": "parts.schema.json#/$defs/name"}))
    write(forms_dir, "f.uischema.json", {"a": {"ui:widget": "textarea"}})
    first = library.fields("f.schema.json")
    assert library.fields("f.schema.json") is first
    assert first[0].label == "姓名"
    with_ui = library.fields("f.schema.json", "f.uischema.json")
    assert with_ui is not first
    assert (with_ui[0].kind, first[0].kind) == ("textarea", "text")
    write(forms_dir, "parts.schema.json", {"$defs": {"name": {"type": "string", "title": "全名"}}})
    os.utime(forms_dir / "parts.schema.json", ns=(1, 1))
    changed = library.fields("f.schema.json")
    assert changed is not first and changed[0].label == "全名"
    write(forms_dir, "f.schema.json", form_schema(b={"type": "string"}))
    assert [field.key for field in library.fields("f.schema.json")] == ["b"]
    write(forms_dir, "pick.schema.json", form_schema(c={"type": "string", "x-options": "people"}))
    people = {"people": [{"value": "1", "title": "甲"}]}
    bound = library.fields("pick.schema.json", context=people)
    assert library.fields("pick.schema.json", context=people) is not bound
    assert [choice.value for choice in bound[0].choices] == ["1"]


def test_check_all_reports_every_broken_file(forms_dir, library):
    write(forms_dir, "ok.uischema.json", {"ui:order": ["name", "*"]})
    write(forms_dir, "bad.uischema.json", {"name": {"ui:widget": "colour-picker"}})
    write(forms_dir, "bad.schema.json", {"type": 5})
    (forms_dir / "notes.txt").write_text("ignored", encoding="utf-8")
    problems = {error.filename: error.message for error in library.check_all()}
    assert set(problems) == {"bad.uischema.json", "bad.schema.json"}
    assert problems["bad.uischema.json"].startswith("$.name: ui:widget must be one of")


# -- ReDoS and recursion -------------------------------------------------------------------

@pytest.mark.parametrize("pattern", ["^(a+)+$", "^(a|a)+$", "^(a|aa)+$"])
def test_catastrophic_pattern_returns_quickly_with_an_error(forms_app, forms_dir, pattern):
    write(forms_dir, "redos.schema.json", form_schema(x={"type": "string", "pattern": pattern,
                                                         "title": "X"}))
    library = FormLibrary(forms_dir)
    started = time.monotonic()
    with force_locale("en"):
        errors = library.validate("redos.schema.json", {"x": "a" * 40 + "!"})
    assert time.monotonic() - started < 1.0
    assert [error.name for error in errors] == ["x"]
    assert errors[0].message in ("X is not in the expected format.",
                                 "X could not be checked in time; please shorten it.")


def test_many_slow_patterns_share_one_time_budget(forms_app, forms_dir):
    rows = {"type": "array", "items": {"type": "string", "pattern": "^(a|a)+$"}}
    write(forms_dir, "slow.schema.json", form_schema(x=rows))
    started = time.monotonic()
    errors = FormLibrary(forms_dir).validate("slow.schema.json", {"x": ["a" * 40 + "!"] * 100})
    assert time.monotonic() - started < 2.0  # 100 x 50 ms would be 5 s
    assert errors


def test_pattern_properties_and_invalid_patterns_are_refused(forms_dir):
    write(forms_dir, "pp.schema.json", {"type": "object", "patternProperties": {"^(a+)+$": {}}})
    write(forms_dir, "re.schema.json", form_schema(x={"type": "string", "pattern": "(unclosed"}))
    library = FormLibrary(forms_dir)
    with pytest.raises(FormFileError, match="patternProperties is not supported"):
        library.schema("pp.schema.json")
    with pytest.raises(FormFileError, match=r"\$\.properties\.x\.pattern: '\(unclosed' is not a 'regex'"):
        library.schema("re.schema.json")


def test_patterns_use_the_regex_package(forms_app, forms_dir):
    write(forms_dir, "han.schema.json", form_schema(name={"type": "string", "title": "姓名",
                                                          "pattern": r"^\p{Han}{2,4}$"}))
    library = FormLibrary(forms_dir)
    assert library.validate("han.schema.json", {"name": "张三"}) == []
    with force_locale("en"):
        errors = library.validate("han.schema.json", {"name": "Zhang"})
    assert messages_by_name(errors) == {"name": "姓名 is not in the expected format."}


def test_schema_referring_to_itself_endlessly_is_a_form_file_error(forms_app, forms_dir):
    write(forms_dir, "loop.schema.json", {"$ref": "#"})
    write(forms_dir, "loop2.schema.json", {"allOf": [{"$ref": "#/$defs/a"}],
                                           "$defs": {"a": {"$ref": "#"}}})
    write(forms_dir, "ping.schema.json", {"$ref": "pong.schema.json"})
    write(forms_dir, "pong.schema.json", {"$ref": "ping.schema.json"})
    library = FormLibrary(forms_dir)
    for filename in ("loop.schema.json", "loop2.schema.json", "ping.schema.json"):
        with pytest.raises(FormFileError, match="refers to itself"):
            library.schema(filename)
        with pytest.raises(FormFileError):
            library.validate(filename, {})
        with pytest.raises(FormFileError):
            library.render(filename, None, {}, [])


def test_recursive_tree_schema_renders_and_parses_with_capped_depth(forms_app, forms_dir):
    write(forms_dir, "tree.schema.json", {
        "$defs": {"node": {"type": "object", "title": "节点", "properties": {
            "label": {"type": "string", "title": "名称"},
            "child": {"$ref": "#/$defs/node"},
            "items": {"type": "array", "items": {"$ref": "#/$defs/node"}},
        }}},
        "type": "object", "properties": {"root": {"$ref": "#/$defs/node"}},
    })
    library = FormLibrary(forms_dir)
    html = library.render("tree.schema.json", None, {}, [])
    assert 'name="root.child.child.label"' in html
    assert "child.child.child.child.child.child.child.child" not in html
    assert len(html) < 5_000_000
    deep = "root" + ".child" * 40 + ".label"
    data, errors = parse(library, [("root.child.label", "a"), ("root.items[0].label", "b"),
                                   (deep, "too deep")], name="tree.schema.json")
    assert data == {"root": {"child": {"label": "a"}, "items": [{"label": "b"}]}}
    assert library.validate("tree.schema.json", data) == []


def test_absurdly_deep_data_is_not_a_server_error(forms_app, forms_dir):
    write(forms_dir, "tree.schema.json", {
        "$defs": {"node": {"type": "object", "properties": {"c": {"$ref": "#/$defs/node"}}}},
        "$ref": "#/$defs/node",
    })
    data: dict = {}
    for _ in range(5000):
        data = {"c": data}
    with pytest.raises(FormFileError, match="refers to itself"):
        FormLibrary(forms_dir).validate("tree.schema.json", data)


# -- rendering -----------------------------------------------------------------------------

def test_rendering_escapes_data_and_schema_text(forms_app, forms_dir):
    evil = "<script>alert(1)</script>"
    attr = '"><img src=x onerror=alert(2)>'
    write(forms_dir, "evil.schema.json", {
        "type": "object", "required": ["a"], "properties": {
            "a": {"type": "string", "title": evil, "description": attr},
            "b": {"type": "string", "title": "B", "oneOf": [{"const": attr, "title": evil}]},
            "c": {"type": "string", "title": "C", "maxLength": 5000},
        }})
    write(forms_dir, "evil.uischema.json", {"a": {"ui:placeholder": attr}})
    library = FormLibrary(forms_dir)
    errors = [FieldError(("a",), evil, evil + " is required.")]
    html = library.render("evil.schema.json", "evil.uischema.json",
                          {"a": attr, "b": attr, "c": "</textarea>" + evil}, errors)
    assert "<script" not in html and "<img" not in html and "</textarea><" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"' in html


def test_rendered_form_is_accessible(forms_app, library):
    with force_locale("en"):
        errors = library.validate("application.schema.json", {"level": "county", "years": 99})
        html = library.render("application.schema.json", None, {"years": 99}, errors)
    assert '<div class="form-error-summary" role="alert">' in html
    assert '<a href="#f-name">Name is required.</a>' in html
    assert '<label for="f-name">Name<span class="required-mark" aria-hidden="true">*</span>' in html
    assert ('<input type="text" id="f-name" name="name" aria-required="true" '
            'aria-invalid="true" aria-describedby="f-name--error"') in html
    assert '<p class="form-error" id="f-name--error">Name is required.</p>' in html
    assert 'id="f-years" name="years" aria-invalid="true"' in html
    assert 'min="0"' in html and 'max="50"' in html and 'step="1"' in html
    assert 'role="radiogroup"' not in html  # level is a select without a ui schema
    assert 'aria-describedby="f-certificate--help"' in html
    assert '<p class="form-help" id="f-certificate--help">Allowed file types: .pdf, .png.' in html
    assert '<label for="f-address-city">城市</label>' in html  # falls back to Chinese


def test_widgets_follow_the_schema_and_ui_schema(forms_app, library, forms_dir):
    write(forms_dir, "application.uischema.json", {
        "ui:order": ["level", "*", "name"],
        "level": {"ui:widget": "radio", "ui:help": "按实际填写", "ui:help-en": "As applicable"},
        "name": {"ui:widget": "textarea", "ui:placeholder": "姓名"},
        "papers": {"items": {"ui:order": ["year", "title"]}},
    })
    html = library.render("application.schema.json", "application.uischema.json",
                          {"level": "city", "subjects": ["数学"], "agree": True}, [])
    assert html.index('name="level"') < html.index('name="statement"') < html.index('name="name"')
    assert '<fieldset class="form-field form-field-radio" id="f-level" role="radiogroup" ' \
           'aria-required="true" aria-describedby="f-level--help">' in html
    assert 'id="f-level--1" name="level"\n      value="city" checked' in html
    assert '<p class="form-help" id="f-level--help">按实际填写</p>' in html
    assert '<textarea id="f-name" name="name" aria-required="true" rows="6" placeholder="姓名"' in html
    assert '<textarea id="f-statement"' in html and 'maxlength="2000"' in html
    assert 'type="date" id="f-birth_date"' in html and 'type="email" id="f-email"' in html
    assert 'type="checkbox" id="f-agree" name="agree" value="true" checked' in html
    assert 'value="数学" checked' in html and 'value="语文">' in html
    assert html.index('name="papers[0].year"') < html.index('name="papers[0].title"')


def test_english_locale_uses_english_titles(forms_app, library):
    with force_locale("en"):
        html = library.render("application.schema.json", None, {}, [])
    assert "Date of birth" in html and "County" in html and "Add row" in html
    html = library.render("application.schema.json", None, {}, [])
    assert "出生日期" in html and "县级" in html


def test_evidence_links_and_kept_ids(forms_app, library):
    one, two = "sha256-" + "1" * 64, "sha256-" + "2" * 64
    html = library.render("application.schema.json", None,
                          {"certificate": one, "attachments": [two, "../bad"]}, [])
    assert f'<a href="/evidence/{one}">' in html
    assert f'<input type="hidden" name="certificate" value="{one}">' in html
    assert f'<input type="checkbox" name="attachments" value="{two}" checked>' in html
    assert "../bad" not in html
    assert 'type="file" id="f-certificate" name="certificate" aria-describedby' in html
    assert 'name="attachments" aria-describedby="f-attachments--help" multiple' in html


def test_repeated_section_round_trip(forms_app, library):
    kept = "sha256-" + "e" * 64
    data = {
        "name": "张三", "level": "county", "grade": 3, "agree": True, "years": 7,
        "statement": "　　第一段\n<第二段>", "subjects": ["语文", "英语"],
        "keywords": ["甲", "乙"], "address": {"city": "杭州"},
        "papers": [{"title": "论文一", "year": 2019, "pdf": kept}, {"title": "论文二"}],
        "certificate": kept,
    }
    html = library.render("application.schema.json", None, data, [])
    # Existing rows, one blank row, and a template row for the add button.
    assert 'name="papers[1].title"' in html and 'name="papers[2].title"' in html
    assert 'name="papers[3].title"' not in html
    assert '<template id="f-papers--template">' in html and 'name="papers[__i__].title"' in html
    assert 'data-next-index="3"' in html and 'data-max-rows="3"' in html
    assert '<button type="button" class="form-repeat-add" data-repeat="f-papers" hidden>' in html
    posted = controls(html)
    assert not any("__i__" in name for name, _ in posted)
    parsed, errors = parse(library, posted, previous=data)
    assert errors == []
    assert parsed == data


def test_full_repeated_section_has_no_blank_row(forms_app, library):
    data = {"papers": [{"title": "a"}, {"title": "b"}, {"title": "c"}]}
    html = library.render("application.schema.json", None, data, [])
    assert 'name="papers[2].title"' in html and 'name="papers[3].title"' not in html


def test_render_uses_defaults_except_in_blank_rows(forms_app, forms_dir):
    write(forms_dir, "d.schema.json", form_schema(
        country={"type": "string", "default": "中国"},
        rows={"type": "array", "items": {"type": "object", "properties": {
            "unit": {"type": "string", "default": "篇"}}}},
    ))
    library = FormLibrary(forms_dir)
    html = library.render("d.schema.json", None, {}, [])
    assert 'value="中国"' in html and 'value="篇"' not in html
    data, _ = parse(library, controls(html), name="d.schema.json")
    assert data == {"country": "中国"}


def test_form_with_repeats_has_no_inline_script(forms_app, library):
    """The add-row behaviour lives in static/app.js: the CSP forbids inline script."""
    html = library.render("application.schema.json", None, {}, [])
    assert 'class="form-repeat-add"' in html
    assert "<script" not in html.lower()
