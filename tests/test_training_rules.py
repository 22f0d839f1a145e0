"""The training's counting rules (pure functions) and the default rule table."""
from __future__ import annotations

import pytest

from webapp.processes.training import rules


def test_weights_are_parsed_and_must_add_up_to_100():
    weights = rules.parse_weights("learning:20, design:20, fragment:20, courseware:10, research:10, portfolio:20")
    assert [name for name, _w in weights][:2] == ["learning", "design"] and rules.weights_problem(weights) is None
    assert rules.weights_problem([["a", 50], ["b", 40]]) == "sum"
    assert rules.weights_problem([["a", 50], ["a", 50]]) == "duplicate"
    assert rules.weights_problem([["a", 0], ["b", 100]]) == "range"
    assert rules.weights_problem([]) == "empty"
    with pytest.raises(ValueError):
        rules.parse_weights("learning 20")


def test_attendance_counts_present_and_late_hours():
    hours = {1: 6.0, 2: 6.0, 3: 3.0, 4: 5.0}
    assert rules.attendance_rate({1: "present", 2: "late", 3: "absent", 4: "leave"}, hours) == 60.0
    assert rules.attendance_rate({}, hours) == 0.0
    assert rules.attendance_rate({1: "present"}, {}) is None


def test_the_weighted_total_needs_every_component():
    weights = [["a", 70], ["b", 30]]
    assert rules.weighted_total({"a": 50, "b": 100}, weights) == 65.0
    assert rules.weighted_total({"a": 50}, weights) is None


@pytest.fixture(scope="module")
def table():
    """A decision table (`training_rules`, `conferral_rules`) evaluated for a level and category."""
    from types import SimpleNamespace

    from webapp.config import PROJECT_ROOT
    from webapp.engine.loader import load_library
    from webapp.engine.sandbox import ScriptEngine
    from webapp.processes import declared_handlers, discover

    library = load_library(PROJECT_ROOT / "workflows", frozenset(h.name for h in declared_handlers(discover())))
    assert library.errors == []

    def run(decision, level="county", category="backbone") -> dict:
        task = SimpleNamespace(data={"level": level, "category": category},
                               workflow=SimpleNamespace(script_engine=ScriptEngine()))
        return library.parser.get_engine(decision, None).result(task)["rules"]

    return run


def test_the_default_training_rules_are_seed_001(table):
    found = table("training_rules")
    weights = rules.parse_weights(found["weights"])
    assert weights == [["learning", 20.0], ["design", 20.0], ["fragment", 20.0], ["courseware", 10.0],
                       ["research", 10.0], ["portfolio", 20.0]]
    assert (found["attendance_threshold"], found["attendance_rule"], found["pass_line"]) == (90, "eliminate", 60)


def test_conferral_rules_give_the_term_allowance_and_number_format(table):
    from webapp.register import check_certificate_format

    assert (table("conferral_rules", "school", "backbone")["term_years"],
            table("conferral_rules", "school", "backbone")["allowance_monthly"]) == (3, 0)
    famous = table("conferral_rules", "county", "famous_teacher")
    assert (famous["term_years"], famous["allowance_monthly"]) == (5, 500)
    assert table("conferral_rules", "county", "backbone")["allowance_monthly"] == 300
    assert table("conferral_rules", "province", "backbone")["term_years"] == 5
    check_certificate_format(famous["certificate_format"])
    # No second approval by the HR bureau unless a county's variant of the table asks for it.
    assert {table("conferral_rules", level, category)["hr_approval"] for level, category in (
        ("school", "backbone"), ("county", "famous_teacher"), ("county", "academic_leader"), ("county", "backbone"),
        ("province", "backbone"))} == {False}
