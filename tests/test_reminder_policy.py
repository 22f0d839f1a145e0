"""The reminder policy file: checked like any administrator-edited file, errors located by line."""
from __future__ import annotations

import json
import os

import pytest

from webapp.notifications.policy import DEFAULT_SUPERVISORS, PolicySource, ReminderPolicy, StepPolicy, parse_policy
from webapp.config import PROJECT_ROOT
from webapp.roles import Role


def _errors(text: str) -> list[tuple[int | None, str]]:
    policy, errors = parse_policy(text, "reminders.json")
    assert (policy is None) == bool(errors)
    return [(error.line, error.message) for error in errors]


def test_the_shipped_policy_is_valid():
    policy, errors = parse_policy((PROJECT_ROOT / "workflows" / "reminders.json").read_text("utf-8"), "reminders.json")
    assert errors == []
    assert policy.defaults == StepPolicy(remind_before_working_days=1, remind_at_due=True, repeat_every_working_days=2,
                                         max_overdue_reminders=6, escalate_after_reminders=2)
    assert policy.for_step("self_application", "fill_declaration").escalate_after_reminders is None
    assert policy.for_step("self_application", "school_review") == policy.defaults
    assert policy.supervisor_of(Role.school_admin) is Role.county_office
    assert policy.supervisor_of(Role.province_office) is None


def test_steps_override_the_files_defaults():
    policy, _ = parse_policy('{"defaults": {"repeat_every_working_days": 3},'
                             ' "steps": {"p/t": {"remind_at_due": false}}}', "r.json")
    assert policy.for_step("p", "t") == StepPolicy(repeat_every_working_days=3, remind_at_due=False)
    assert policy.for_step("p", "other") == StepPolicy(repeat_every_working_days=3)


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{\n  "defaults": {\n    "remind_at_due": tru\n  }\n}', [(3, "not valid JSON: Expecting value (column 22)")]),
        ('{\n  "defaults": {\n    "remind_befor_working_days": 1\n  }\n}',
         [(3, "unknown key 'remind_befor_working_days' (expected one of: comment, enabled, escalate_after_reminders, "
              "max_overdue_reminders, remind_at_due, remind_before_working_days, repeat_every_working_days)")]),
        ('{\n"defaults": {\n"remind_at_due": "yes"}}', [(3, "remind_at_due must be true or false")]),
        ('{\n"defaults": {\n\n"repeat_every_working_days": true}}',
         [(4, "repeat_every_working_days must be a whole number from 0 to 60")]),
        ('{"defaults": {"max_overdue_reminders": 100000}}', [(1, "max_overdue_reminders must be a whole number from 0 to 100")]),
        ('{"defaults": {"escalate_after_reminders": -1}}',
         [(1, "escalate_after_reminders must be a whole number from 0 to 100 or null")]),
        ('{\n"steps": {\n"a/b": {},\n"a/b": {}}}', [(4, "key 'a/b' appears twice in the same object")]),
        ('{\n"steps": {\n"no slash": {}}}', [(3, "step 'no slash' must be written as process_id/task_name")]),
        ('{\n"steps": {\n"a/b": {\n"repeat_every_working_days": 0}}}',
         [(3, "escalation needs overdue reminders: set repeat_every_working_days above 0 or escalate_after_reminders to null")]),
        ('{"escalate_to": {\n"teacher": "principal"}}', [(2, "'principal' is not a role (roles: " + ", ".join(r.value for r in Role) + ") or null")]),
        ('{"escalate_to": {\n"janitor": "school_admin"}}', [(2, "'janitor' is not a role (roles: " + ", ".join(r.value for r in Role) + ")")]),
        ('[1, 2]', [(1, "the file must contain one JSON object")]),
        ('{"steps": []}', [(1, '"steps" must be an object of "process_id/task_name": {…}')]),
        ('{\n"defaults": 3}', [(2, "defaults must be an object")]),
    ],
)
def test_errors_name_the_line(text, expected):
    assert _errors(text) == expected


def test_several_errors_are_reported_together():
    text = '{\n"defaults": {"remind_at_due": 1},\n"steps": {"a/b": {"enabled": "no"}},\n"extra": 1\n}'
    assert [line for line, _message in _errors(text)] == [4, 2, 3]


def test_deep_nesting_is_refused_without_crashing():
    assert _errors('{"comment": ' + "[" * 100000 + "]" * 100000 + "}")[0][1] == "nested too deeply"


def test_source_keeps_the_last_valid_policy_and_reloads_on_change(tmp_path):
    path = tmp_path / "reminders.json"
    source = PolicySource(path)
    assert source.current() == ReminderPolicy() and source.errors == []  # no file: built-in defaults

    path.write_text(json.dumps({"defaults": {"repeat_every_working_days": 5}}))
    assert source.current().defaults.repeat_every_working_days == 5

    path.write_text('{"defaults": {"repeat_every_working_days": "five"}}')
    os.utime(path, ns=(1, 1))  # a different timestamp, as an editor's save would give
    assert source.current().defaults.repeat_every_working_days == 5  # still the last valid one
    assert [str(e) for e in source.errors] == ["reminders.json:1: repeat_every_working_days must be a whole number from 0 to 60"]

    path.write_bytes(b'{"comment": "\xff"}')
    assert source.current().defaults.repeat_every_working_days == 5
    assert "UTF-8" in source.errors[0].message

    path.write_text(" " * (300 * 1024))
    assert source.current().defaults.repeat_every_working_days == 5
    assert "larger than" in source.errors[0].message

    path.unlink()
    assert source.current() == ReminderPolicy() and source.errors == []


def test_check_files_reports_policy_errors(app, tmp_path):
    original = app.extensions["reminder_policy"]
    path = tmp_path / "reminders.json"
    path.write_text('{\n"defaults": {"remind_at_due": 2}}')
    app.extensions["reminder_policy"] = PolicySource(path)
    try:
        result = app.test_cli_runner().invoke(args=["check-files"])
    finally:
        app.extensions["reminder_policy"] = original
    assert result.exit_code == 1
    assert "reminders.json:2: remind_at_due must be true or false" in result.output


def test_default_supervisors_climb_one_level():
    for role, supervisor in DEFAULT_SUPERVISORS.items():
        levels = ["school", "county", "city", "province"]
        assert levels.index(supervisor.level) >= levels.index(role.level)
