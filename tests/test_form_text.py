"""Typed text: normalised to NFC; control, text-direction and surrogate characters refused, in
drafts and submissions alike; drafts are checked for types, choices and sizes (not completeness)."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.forms.text import MAX_DATA_BYTES, clean_strings
from webapp.models import HumanTask, TaskState

from .helpers import cycle_id_for, declaration, start_application, submit
from .test_forms import forms_app, forms_dir, library, parse  # noqa: F401  (fixtures)


def test_clean_strings_normalises_and_reports_the_first_refused_character():
    data = {"a": "Cafe\u0301", "b": ["ok\tfine\n", "x\u202ey\x00"], "c": {"d": "\ud800"}, "n": 3}
    cleaned, refused = clean_strings(data)
    assert cleaned == {"a": "Café", "b": ["ok\tfine\n", "xy"], "c": {"d": ""}, "n": 3}
    assert refused == [(("b", 1), "U+202E"), (("c", "d"), "U+D800")]


def test_parsing_refuses_control_bidi_and_surrogate_characters(library, forms_app):  # noqa: F811
    data, errors = parse(library, [
        ("name", "张\x00三"), ("statement", "第一行\n\t第二行 \u202e反转"), ("keywords", "好\ud83d\nCafe\u0301"),
        ("level", "county"),
    ])
    assert data["name"] == "张三"
    assert data["statement"] == "第一行\n\t第二行 反转"
    assert data["keywords"] == ["好", "Café"]
    # (this minimal app has no catalog: messages in English; the pages below show the Chinese)
    assert {error.name: error.message for error in errors} == {
        name: f"{label} contained a control or text-direction character that is not allowed ({code}). It has "
              "been removed: check the text and send it again."
        for name, label, code in [("name", "姓名", "U+0000"), ("statement", "个人陈述", "U+202E"),
                                  ("keywords[0]", "关键词", "U+D83D")]}


def test_a_form_holds_at_most_256_kb(library, forms_app):  # noqa: F811
    statement = "汉字" * 50_000  # 300 KB of UTF-8
    _data, errors = parse(library, [("statement", statement), ("level", "county")])
    assert [(error.path, error.message) for error in errors] == [
        ((), f"The form holds too much (more than {MAX_DATA_BYTES // 1024} KB). Please shorten the text.")]


def test_drafts_skip_completeness_but_not_types_choices_or_sizes(library, forms_app):  # noqa: F811
    incomplete = {"statement": "还没写完"}
    assert library.validate("application.schema.json", incomplete, draft=True) == []
    assert {e.name for e in library.validate("application.schema.json", incomplete)} == {"name", "level"}
    tampered = {"level": "province", "name": "名" * 21, "years": 99, "grade": "1"}
    assert {e.name for e in library.validate("application.schema.json", tampered, draft=True)} == {
        "level", "name", "years", "grade"}


# --- over HTTP ---------------------------------------------------------------------------------


def _error_next_to(page: str, field_id: str) -> str:
    """The error text shown under a field."""
    match = re.search(rf'id="{field_id}--error">([^<]*)<', page)
    assert match, page
    return html.unescape(match.group(1))


def test_a_draft_with_refused_characters_is_not_stored(app, login):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "academic_leader"))
    response = submit(teacher, task_id, {"statement": "草稿\x00\u202e内容", "_action": "save"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _error_next_to(page, "f-statement") == (
        "申报理由与主要业绩含有不允许的控制字符或文字方向控制字符（U+0000），已将其删除：请检查文字后重新提交。")
    assert "草稿内容" in page  # the input is kept, without the refused characters
    with app.app_context():
        assert db.session.get(HumanTask, task_id).draft_json is None

    english = teacher.post(f"/tasks/{task_id}?lang=en", data={"statement": "a\u2067b", "_action": "save"},
                           content_type="multipart/form-data").get_data(as_text=True)
    assert "text-direction character that is not allowed (U+2067)" in _error_next_to(english, "f-statement")


def test_a_draft_with_a_tampered_choice_is_refused_and_an_incomplete_one_kept(app, login):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "academic_leader"))
    response = submit(teacher, task_id, {"subject": "hacking", "_action": "save"})
    assert response.status_code == 422
    assert "请从给定选项中选择" in _error_next_to(response.get_data(as_text=True), "f-subject")
    response = submit(teacher, task_id, {"subject": "mathematics", "statement": "Cafe\u0301 未完", "_action": "save"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(HumanTask, task_id).draft_json == {
            "subject": "mathematics", "statement": "Café 未完", "commitment": False}


def test_a_submission_with_a_bidi_override_is_refused(app, login):
    teacher = login("t001")
    task_id = start_application(teacher, cycle_id_for(app, "academic_leader"))
    statement = "十余年来坚持课堂教学改革，主持县级课题两项，\u202e指导青年教师五名。"
    response = submit(teacher, task_id, declaration(statement=statement))
    assert response.status_code == 422
    assert "U+202E" in _error_next_to(response.get_data(as_text=True), "f-statement")
    with app.app_context():
        assert db.session.scalar(select(HumanTask).filter_by(id=task_id)).state is TaskState.open
