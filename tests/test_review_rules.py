"""The review's rules at their boundaries: review_rules.dmn, the aggregate, 差额, selection, assignment."""
from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import pytest

from webapp.config import PROJECT_ROOT
from webapp.engine.loader import load_library
from webapp.engine.sandbox import ScriptEngine
from webapp.processes import declared_handlers, discover
from webapp.processes.county_review import ranking
from webapp.processes.county_review.assignment import Candidate, Expert, assign, conflict


@pytest.fixture(scope="module")
def rules():
    """The `review_rules` table evaluated for a level and category."""
    library = load_library(PROJECT_ROOT / "workflows", frozenset(h.name for h in declared_handlers(discover())))
    assert library.errors == []
    engine = library.parser.get_engine("review_rules", None)

    def run(level="county", category="backbone") -> dict:
        task = SimpleNamespace(data={"level": level, "category": category},
                               workflow=SimpleNamespace(script_engine=ScriptEngine()))
        return engine.result(task)["rules"]

    return run


def test_default_rules(rules):
    found = rules()
    assert found["panel_size"] == 5 and found["trim_at"] == 5 and found["notice_days"] == 5
    assert ranking.parse_rubric(found["rubric"]) == [("teaching", 40), ("research", 30), ("growth", 30)]
    assert found["margin_ratio"] == "1.2" and found["fast_track_in_quota"] is True
    assert ranking.parse_tie_break(found["tie_break"]) == [("opinion", False), ("years_teaching", False), ("age", False)]
    assert rules(level="city", category="famous_teacher") == found  # one default row for every level


@pytest.mark.parametrize("text", ["", "teaching", "teaching:0", "teaching:x", "Teaching:40", "a:10, a:20", "a:1001"])
def test_malformed_rubrics_are_refused(text):
    with pytest.raises(ValueError):
        ranking.parse_rubric(text)


def test_tie_break_names_only_known_facts():
    assert ranking.parse_tie_break("+age") == [("age", True)]
    with pytest.raises(ValueError):
        ranking.parse_tie_break("-votes")


@pytest.mark.parametrize("raw,problem", [("", "missing"), ("x", "not_a_number"), ("-1", "not_a_number"),
                                         ("41", "out_of_range"), ("4.5", "not_a_number")])
def test_score_checks(raw, problem):
    scores, errors = ranking.check_scores([("teaching", 40)], {"teaching": raw})
    assert errors == {"teaching": problem} and scores == {}


def test_score_boundaries_accepted():
    scores, errors = ranking.check_scores([("teaching", 40), ("growth", 30)], {"teaching": "0", "growth": "30"})
    assert errors == {} and scores == {"teaching": 0, "growth": 30}


def test_aggregate_trims_only_from_the_threshold():
    assert ranking.aggregate([90, 80, 80, 80, 60], trim_at=5) == 80  # dropped 90 and 60
    assert ranking.aggregate([90, 80, 80, 60], trim_at=5) == Fraction(310, 4)  # four: plain mean
    assert ranking.aggregate([90, 80, 80, 80, 60], trim_at=0) == 78  # 0 never trims
    assert ranking.aggregate([], trim_at=5) is None
    assert ranking.aggregate([70.5, 70.5, 71], trim_at=0) == Fraction(212, 3)  # exact, no float rounding


def test_margin_and_places():
    assert ranking.margin_met(6, 5, "1.2") and not ranking.margin_met(5, 5, "1.2")
    assert ranking.margin_met(0, 0, "1.2")
    assert ranking.places_for_scored(5, 2, True) == 3 and ranking.places_for_scored(5, 2, False) == 5
    assert ranking.places_for_scored(1, 2, True) == 0
    assert ranking.reserve_places(5, "0.2") == 1 and ranking.reserve_places(6, "0.2") == 2
    assert ranking.reserve_places(0, "0.2") == 0


def _entry(id_, score, **facts):
    return ranking.Entry(id_, Fraction(score), facts)


def test_selection_with_the_tie_break():
    entries = [_entry(1, 80, opinion=0), _entry(2, 85), _entry(3, 80, opinion=1), _entry(4, 70), _entry(5, 60)]
    result = ranking.select(entries, places=2, reserve=1, tie_break=[("opinion", False)])
    assert result.order == [2, 3, 1, 4, 5]
    assert result.formal == [2, 3] and result.reserve == [1] and result.not_selected == [4, 5] and result.tie == []


def test_an_unbreakable_tie_across_the_line_goes_to_the_office():
    entries = [_entry(1, 90), _entry(2, 80, age=40), _entry(3, 80, age=40), _entry(4, 70)]
    result = ranking.select(entries, places=2, reserve=1, tie_break=[("age", False)])
    assert result.formal == [1] and result.tie == [2, 3] and result.tie_places == 1
    assert result.reserve == [4] and result.not_selected == []
    # A tie entirely within the places is no tie for the office.
    inside = ranking.select(entries, places=3, reserve=0, tie_break=[])
    assert inside.formal == [1, 2, 3] and inside.tie == []


def test_no_places():
    result = ranking.select([_entry(1, 90)], places=0, reserve=0, tie_break=[])
    assert result.formal == [] and result.not_selected == [1]


def test_conflicts_of_interest():
    candidate = Candidate(id=1, teacher_id=10, school_id=100, subject="mathematics")
    assert conflict(candidate, Expert(10, frozenset({100}))) == "self"
    assert conflict(candidate, Expert(11, frozenset({100}))) == "same_school"
    assert conflict(candidate, Expert(12, frozenset(), frozenset({"chinese"}))) == "subject"
    assert conflict(candidate, Expert(13, frozenset({200}), frozenset({"mathematics"}))) is None
    assert conflict(candidate, Expert(14)) is None


def test_assignment_is_conflict_free_full_and_balanced():
    candidates = [Candidate(i, 1000 + i, 1 + i % 4, ["mathematics", "chinese"][i % 2]) for i in range(40)]
    experts = [Expert(2000 + j, frozenset({1 + j % 4})) for j in range(12)]
    result = assign(candidates, experts, 5)
    assert result.short == {}
    by_id = {e.id: e for e in experts}
    loads: dict[int, int] = {}
    for candidate in candidates:
        panel = result.panels[candidate.id]
        assert len(panel) == 5 == len(set(panel))
        assert all(conflict(candidate, by_id[e]) is None for e in panel)
        for expert_id in panel:
            loads[expert_id] = loads.get(expert_id, 0) + 1
    assert max(loads.values()) - min(loads.values()) <= 1  # 200 sheets over 12 experts: 16 or 17 each


def test_assignment_reports_shortage():
    candidates = [Candidate(1, 10, 1, "mathematics")]
    experts = [Expert(10, frozenset({1})), Expert(11, frozenset({1})), Expert(12, frozenset({2}))]
    result = assign(candidates, experts, 3)
    assert result.panels == {1: [12]} and result.short == {1: 1}
    assert assign(candidates, [], 3).short == {1: 0}
