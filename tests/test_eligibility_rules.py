"""The eligibility decision table (workflows/eligibility.dmn): every rule at its boundary."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from webapp.config import PROJECT_ROOT
from webapp.engine.loader import load_library
from webapp.processes import declared_handlers, discover
from webapp.engine.sandbox import ScriptEngine


@pytest.fixture(scope="module")
def decide():
    """Evaluate the `eligibility` table for a category, level and applicant facts; return failed rule codes."""
    library = load_library(PROJECT_ROOT / "workflows", frozenset(h.name for h in declared_handlers(discover())))
    assert library.errors == []
    engine = library.parser.get_engine("eligibility", None)
    script_engine = ScriptEngine()

    def run(category: str, level: str = "county", **facts) -> list[str]:
        applicant = dict(
            age=40, years_teaching=12, title_rank=2, education_rank=2, excellent_5y=1, open_classes_5y=3,
            papers_awarded_5y=3, projects_5y=1, has_qualification=True, has_it_certificate=True, holds_same_title=False,
        )
        applicant.update(facts)
        # The engine only needs a task's data and its workflow's script engine.
        task = SimpleNamespace(data={"category": category, "level": level, "applicant": applicant},
                               workflow=SimpleNamespace(script_engine=script_engine))
        result = engine.result(task)
        return sorted(row["rule"] for row in result.get("eligibility", []))

    return run


def test_a_typical_applicant_is_eligible_everywhere(decide):
    assert decide("academic_leader") == []
    assert decide("backbone", level="city") == []
    assert decide("famous_teacher", title_rank=3, years_teaching=10) == []


@pytest.mark.parametrize(
    "category,fact,passing,failing,rule",
    [
        ("academic_leader", "age", 45, 46, "age"),
        ("academic_leader", "years_teaching", 8, 7, "years"),
        ("academic_leader", "title_rank", 2, 1, "title"),
        ("academic_leader", "education_rank", 2, 1, "education"),
        ("famous_teacher", "years_teaching", 10, 9, "years"),
        ("famous_teacher", "title_rank", 3, 2, "title"),
        ("famous_teacher", "education_rank", 2, 1, "education"),
        ("backbone", "years_teaching", 3, 2, "years"),
        ("backbone", "age", 45, 46, "age"),
    ],
)
def test_boundaries(decide, category, fact, passing, failing, rule):
    base = {"title_rank": 3} if category == "famous_teacher" else {}
    assert rule not in decide(category, **{**base, fact: passing})
    assert rule in decide(category, **{**base, fact: failing})


@pytest.mark.parametrize(
    "fact,passing,failing,rule",
    [
        ("excellent_5y", 1, 0, "excellent"),
        ("open_classes_5y", 3, 2, "open_classes"),
        ("has_qualification", True, False, "qualification"),
    ],
)
def test_municipal_backbone_rules(decide, fact, passing, failing, rule):
    assert rule not in decide("backbone", level="city", **{fact: passing})
    assert rule in decide("backbone", level="city", **{fact: failing})
    # These rules belong to the municipal level only.
    assert rule not in decide("backbone", level="county", **{fact: failing})


def test_research_needs_a_prize_or_three_papers(decide):
    assert "research" not in decide("backbone", level="city", papers_awarded_5y=0, projects_5y=1)
    assert "research" not in decide("backbone", level="city", papers_awarded_5y=3, projects_5y=0)
    assert "research" in decide("backbone", level="city", papers_awarded_5y=2, projects_5y=0)


def test_a_holder_cannot_apply_again(decide):
    assert decide("backbone", holds_same_title=True) == ["already_holds"]


def test_every_failure_says_why_in_both_languages(decide):
    library = load_library(PROJECT_ROOT / "workflows", frozenset(h.name for h in declared_handlers(discover())))
    engine = library.parser.get_engine("eligibility", None)
    applicant = dict(age=50, years_teaching=2, title_rank=0, education_rank=1, excellent_5y=0, open_classes_5y=0,
                     papers_awarded_5y=0, projects_5y=0, has_qualification=False, has_it_certificate=False, holds_same_title=True)
    for category, level in [("academic_leader", "county"), ("famous_teacher", "county"), ("backbone", "city")]:
        task = SimpleNamespace(data={"category": category, "level": level, "applicant": applicant},
                               workflow=SimpleNamespace(script_engine=ScriptEngine()))
        rows = engine.result(task)["eligibility"]
        assert len(rows) >= 3
        for row in rows:
            assert row["reason_zh"] and row["reason_en"] and row["reason_zh"] != row["reason_en"]
    assert "50周岁" in " ".join(r["reason_zh"] for r in engine.result(SimpleNamespace(
        data={"category": "academic_leader", "level": "county", "applicant": applicant},
        workflow=SimpleNamespace(script_engine=ScriptEngine()))) ["eligibility"])


@pytest.mark.parametrize("check", ["not_active", "no_review", "open_review", "failed_review"])
def test_a_renewal_needs_every_annual_review_of_the_term_passed(decide, check):
    # A renewal (续期申请) holds the title by definition: that rule does not apply to it, the term's reviews do.
    assert decide("backbone", holds_same_title=True, renewal=True, renewal_check="") == []
    assert decide("backbone", holds_same_title=True, renewal=True, renewal_check=check) == [f"renewal_{check}"]
    assert decide("backbone", holds_same_title=True) == ["already_holds"]
