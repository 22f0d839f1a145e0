"""Schema and namespace errors in BPMN files read as sentences, in the reader's language."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask_babel import force_locale

from webapp.engine.loader import load_library

XSD = Path(__file__).parent / "fixtures" / "engine" / "xsd"


def only_error(tmp_path, name):
    """Load one fixture on its own; its single error."""
    shutil.copy(XSD / name, tmp_path / name)
    errors = load_library(tmp_path).errors
    assert len(errors) == 1, errors
    return errors[0]


@pytest.fixture
def english_and_chinese(app):
    """Render a lazy message as an English and as a Chinese reader sees it."""
    def render(message):
        with app.test_request_context():
            with force_locale("en"):
                english = str(message)
            with force_locale("zh_Hans_CN"):
                chinese = str(message)
        return english, chinese
    return render


def test_duplicate_id(tmp_path, english_and_chinese):
    error = only_error(tmp_path, "duplicate_id.bpmn")
    assert (error.line, error.element_id) == (9, "Start_1")
    english, chinese = english_and_chinese(error.message)
    assert english == ("The element bpmn:endEvent on line 9 has the id “Start_1”, which the element on line 5 "
                       "already has. Every id in a file must be unique: rename one of them.")
    assert "第 9 行" in chinese and "第 5 行" in chinese and "Start_1" in chinese and "bpmn:endEvent" in chinese
    assert "xs:ID" not in english + chinese


def test_root_without_the_bpmn_namespace(tmp_path, english_and_chinese):
    error = only_error(tmp_path, "no_namespace.bpmn")
    assert error.line == 2
    english, chinese = english_and_chinese(error.message)
    assert english.startswith("The root element “definitions” on line 2 is not in the BPMN namespace")
    assert "第 2 行" in chinese and "definitions" in chinese and "命名空间" in chinese
    assert "validation root" not in english + chinese


def test_undeclared_namespace_prefix(tmp_path, english_and_chinese):
    error = only_error(tmp_path, "undeclared_prefix.bpmn")
    assert error.line == 10
    english, chinese = english_and_chinese(error.message)
    assert english.startswith("The element “properties” on line 10 uses the namespace prefix “spiffworkflow”")
    assert 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"' in english
    assert "第 10 行" in chinese and "spiffworkflow" in chinese
    assert "malformed XML" not in english


def test_the_admin_page_shows_the_sentence_in_the_users_language(app, login, tmp_path, monkeypatch):
    """/admin/processes lists the loaded library's errors: Chinese by default, English on request."""
    shutil.copy(XSD / "duplicate_id.bpmn", tmp_path / "duplicate_id.bpmn")
    engine = app.extensions["workflow_engine"]
    monkeypatch.setattr(engine, "_library", load_library(tmp_path))
    admin = login("admin")
    chinese = admin.get("/admin/processes").get_data(as_text=True)
    assert "第 9 行" in chinese and "Start_1" in chinese
    english = admin.get("/admin/processes?lang=en").get_data(as_text=True)
    assert "which the element on line 5 already has" in english
