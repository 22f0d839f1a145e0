"""Rotation's rules without the web: the due table at its boundaries, the five forms, the facts, the solver."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from webapp.config import PROJECT_ROOT
from webapp.engine.loader import load_library
from webapp.engine.sandbox import ScriptEngine
from webapp.processes import declared_handlers, discover
from webapp.processes.rotation_plan.facts import SchoolFacts, Stint, person_facts, years_in_post
from webapp.processes.rotation_plan.matching import FORBIDDEN, Nominee, cost, match
from webapp.processes.rotation_plan.rules import School, broken_rule

BASE = dict(position="teacher", years_in_post=3, school_urban=True, school_weak=False, hired_urban=False,
            years_since_hire=12, rural_years=0.0, plans_senior=False, title_rank=2, exchange_years=0.0,
            holds_title=False, rotating=False)


@pytest.fixture(scope="module")
def due():
    """Evaluate `rotation_due` for facts; return the rule codes that match."""
    library = load_library(PROJECT_ROOT / "workflows", frozenset(h.name for h in declared_handlers(discover())))
    assert library.errors == []
    table = library.parser.get_engine("rotation_due", None)
    engine = ScriptEngine()

    def run(**facts) -> list[str]:
        task = SimpleNamespace(data={"person": {**BASE, **facts}}, workflow=SimpleNamespace(script_engine=engine))
        return sorted(row["rule"] for row in table.result(task).get("due", []))

    return run


def test_nobody_is_due_without_a_reason(due):
    assert due() == []


@pytest.mark.parametrize("facts,rule", [
    (dict(position="principal", years_in_post=10), "principal_term"),
    (dict(position="vice_principal", years_in_post=15), "vice_principal_term"),
    (dict(hired_urban=True, years_since_hire=2), "new_urban_teacher"),
    (dict(hired_urban=True, years_since_hire=6, rural_years=1.9), "new_urban_teacher"),
    (dict(plans_senior=True, exchange_years=0.9), "senior_title_exchange"),
    (dict(holds_title=True), "title_holder_pairing"),
])
def test_each_rule_at_its_boundary(due, facts, rule):
    assert rule in due(**facts)


@pytest.mark.parametrize("facts,rule", [
    (dict(position="principal", years_in_post=9), "principal_term"),
    (dict(position="vice_principal", years_in_post=14), "vice_principal_term"),
    (dict(position="teacher", years_in_post=30), "principal_term"),
    (dict(hired_urban=True, years_since_hire=1), "new_urban_teacher"),
    (dict(hired_urban=True, years_since_hire=7), "new_urban_teacher"),
    (dict(hired_urban=True, years_since_hire=3, rural_years=2.0), "new_urban_teacher"),
    (dict(hired_urban=False, years_since_hire=3), "new_urban_teacher"),
    (dict(plans_senior=True, exchange_years=1.0), "senior_title_exchange"),
    (dict(plans_senior=True, title_rank=3), "senior_title_exchange"),
    (dict(holds_title=True, school_weak=True), "title_holder_pairing"),
    (dict(holds_title=True, school_urban=False), "title_holder_pairing"),
    (dict(position="principal", years_in_post=12, rotating=True), "principal_term"),
])
def test_just_short_of_each_rule(due, facts, rule):
    assert rule not in due(**facts)


def test_reasons_come_in_both_languages_with_the_facts():
    library = load_library(PROJECT_ROOT / "workflows", frozenset(h.name for h in declared_handlers(discover())))
    table = library.parser.get_engine("rotation_due", None)
    task = SimpleNamespace(data={"person": {**BASE, "position": "principal", "years_in_post": 11}},
                           workflow=SimpleNamespace(script_engine=ScriptEngine()))
    [row] = table.result(task)["due"]
    assert "11 个学年" in row["reason_zh"] and "11 consecutive school years" in row["reason_en"]


URBAN = School(1, 9, rural=False, group="城关集团", district="城关片区", paired_id=3, staffing={"chinese": -2})
URBAN2 = School(2, 9, rural=False, group="城关集团", district="城关片区")
RURAL = School(3, 9, rural=True, weak=True, district="涧池片区", paired_id=1, staffing={"mathematics": 2})
RURAL2 = School(4, 9, rural=True, district="城关片区")
ELSEWHERE = School(5, 8, rural=True, weak=True)


@pytest.mark.parametrize("form,sending,receiving,subject,expected", [
    ("support", URBAN, RURAL, "chinese", None), ("support", URBAN, URBAN2, "chinese", "support_urban_to_rural"),
    ("support", RURAL, RURAL2, "chinese", "support_urban_to_rural"),
    ("exchange", URBAN, RURAL, None, None), ("exchange", RURAL, URBAN, None, None),
    ("exchange", URBAN, RURAL2, None, "exchange_paired"),
    ("secondment", URBAN, RURAL, "chinese", None), ("secondment", URBAN, RURAL, "mathematics", "secondment_surplus"),
    ("secondment", URBAN, RURAL2, "chinese", "secondment_weak"),
    ("group", URBAN, URBAN2, None, None), ("group", URBAN, RURAL, None, "group_same"),
    ("district", URBAN, RURAL2, None, None), ("district", URBAN, RURAL, None, "district_same"),
    ("support", URBAN, URBAN, None, "same_school"), ("support", URBAN, ELSEWHERE, None, "other_county"),
])
def test_the_five_forms(form, sending, receiving, subject, expected):
    assert broken_rule(form, sending, receiving, subject) == expected


def _stint(school_id, start, end=None, position="teacher", rural=False, rotation=False, district="A"):
    return Stint(SchoolFacts(school_id, rural, False, district), position, start, end, rotation)


def test_years_in_post_count_continuous_service_across_a_summer_gap_only():
    on = date(2026, 9, 1)
    earlier = _stint(1, date(2010, 9, 1), date(2016, 7, 10), "principal")
    current = _stint(1, date(2016, 8, 20), None, "principal")
    assert years_in_post([earlier, current], current, on) == 16
    broken = _stint(1, date(2010, 9, 1), date(2014, 7, 1), "principal")
    assert years_in_post([broken, current], current, on) == 10


def test_facts_add_rural_and_rotation_service():
    on = date(2026, 9, 1)
    stints = [_stint(1, date(2018, 9, 1), date(2020, 9, 1), rural=True), _stint(2, date(2020, 9, 1)),
              _stint(3, date(2022, 9, 1), date(2023, 9, 1), rotation=True, district="B")]
    facts = person_facts(stints, hire_date=date(2018, 9, 1), title_grade="intermediate", plans_senior=True,
                         holds_title=False, rotating=False, on=on)
    assert facts["rural_years"] == 2.0 and facts["exchange_years"] == 3.0
    assert facts["hired_urban"] is False and facts["years_since_hire"] == 8 and facts["title_rank"] == 2


def _check_valid(result, nominees, schools, places):
    """The placement obeys every rule and quota (checked here, not by asking the solver's own code)."""
    used = {}
    for nominee in nominees:
        placed = result[nominee.id].school_id
        if placed is None:
            continue
        receiving = schools[placed]
        assert receiving.id != nominee.sending.id and receiving.county_id == nominee.sending.county_id
        if nominee.form == "support":
            assert not nominee.sending.rural and receiving.rural
        used[(placed, nominee.form)] = used.get((placed, nominee.form), 0) + 1
    assert all(count <= places.get(key, 0) for key, count in used.items())


def test_the_solver_places_everyone_it_can_and_prefers_choices_and_needs():
    schools = {s.id: s for s in (URBAN, URBAN2, RURAL, RURAL2)}
    nominees = [Nominee(1, "support", URBAN, "mathematics", (4,)), Nominee(2, "support", URBAN2, "mathematics"),
                Nominee(3, "support", URBAN2, "chinese"), Nominee(4, "group", URBAN, None, (2,))]
    places = {(3, "support"): 1, (4, "support"): 1, (2, "group"): 1}
    result = match(nominees, schools, places)
    _check_valid(result, nominees, schools, places)
    assert result[1].school_id == 4  # the teacher's first choice
    assert result[2].school_id == 3 or result[3].school_id == 3  # someone takes the maths shortage place
    assert sum(1 for p in result.values() if p.school_id) == 3  # only two support places exist
    assert result[4].school_id == 2 and ["preference", {"rank": 1}] in result[4].explanation


def test_a_forbidden_placement_costs_more_than_any_allowed_one():
    assert cost(Nominee(1, "support", URBAN, None), URBAN2) == FORBIDDEN
    assert cost(Nominee(1, "support", URBAN, None), RURAL) < FORBIDDEN


def test_a_county_plan_of_300_nominees_over_60_schools():
    """Every placement valid at the size of a county's plan (its time is printed by make bench)."""
    import random

    rng = random.Random(3)
    schools = {i: School(i, 1, rural=i % 3 == 0, weak=i % 5 == 0, group=f"g{i % 6}", district=f"d{i % 8}",
                         paired_id=i + 1 if i % 2 else i - 1, staffing={"mathematics": rng.randint(-2, 2)})
               for i in range(1, 61)}
    forms = ["support", "exchange", "secondment", "group", "district"]
    nominees = [Nominee(n, rng.choice(forms), schools[rng.randint(1, 60)], "mathematics",
                        tuple(rng.sample(range(1, 61), 3))) for n in range(300)]
    places = {(i, f): rng.randint(0, 2) for i in schools for f in forms}
    result = match(nominees, schools, places)
    _check_valid(result, nominees, schools, places)
    assert sum(1 for p in result.values() if p.school_id) > 150
