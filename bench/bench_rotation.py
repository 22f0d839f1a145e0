"""Rotation (交流轮岗): matching a county's plan, a Banan-size five-year simulation, and the due lists.

1. A county's plan: 300 nominees over 60 schools, the five forms mixed, matched by the assignment
   solver (SciPy's linear_sum_assignment) — target under 5 s; every placement re-checked against
   the form rules and the receiving quotas.
2. Banan district over five years (seed 003: about 1,900 rotations that keep the personnel
   relationship, 顶岗 falling from 235 to 53 a year while 支教 grows from 13 to 59): ~150 schools,
   each year's plan matched; nobody rotates twice in a year; totals and time per year.
3. The due lists of a county of 2,400 people: facts from service histories and the `rotation_due`
   decision table evaluated per person (what opening a plan costs).
No database: these are the solver's and the rules' own costs.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from datetime import date, timedelta
from types import SimpleNamespace

from common import arguments, save_result, summary

from webapp.config import PROJECT_ROOT
from webapp.engine.loader import load_library
from webapp.engine.sandbox import ScriptEngine
from webapp.processes import declared_handlers, discover
from webapp.processes.rotation_plan.facts import SchoolFacts, Stint, person_facts
from webapp.processes.rotation_plan.matching import Nominee, match
from webapp.processes.rotation_plan.rules import School, broken_rule

FORMS = ("support", "exchange", "secondment", "group", "district")
SUBJECTS = ("chinese", "mathematics", "english", "physics", "music", "pe")
# Banan's yearly mix of the five forms (people placed), from the seed's figures, per year.
BANAN_YEARS = [
    {"secondment": 235, "support": 13, "exchange": 40, "group": 45, "district": 47},
    {"secondment": 190, "support": 25, "exchange": 50, "group": 60, "district": 55},
    {"secondment": 130, "support": 40, "exchange": 60, "group": 75, "district": 75},
    {"secondment": 90, "support": 59, "exchange": 70, "group": 85, "district": 76},
    {"secondment": 53, "support": 55, "exchange": 75, "group": 95, "district": 102},
]


def county(rng: random.Random, count: int) -> dict[int, School]:
    """Schools with a realistic spread: a third rural, a fifth weak, groups, districts and pairs."""
    schools = {}
    for i in range(1, count + 1):
        rural = i % 3 == 0
        schools[i] = School(i, 1, rural=rural, weak=rural and i % 2 == 0 or i % 10 == 0,
                            group=None if rural else f"g{i % 8}", district=f"d{i % 10}",
                            paired_id=i + 1 if i % 2 else i - 1,
                            staffing={s: rng.randint(-2, 2) for s in SUBJECTS})
    return schools


def nominees_for(rng: random.Random, schools: dict[int, School], mix: dict[str, int], offset: int) -> tuple[list, dict]:
    """Nominees of a year's mix from schools the form allows to send, and receiving places to match."""
    urban = [s for s in schools.values() if not s.rural]
    people, places = [], Counter()
    for form, count in mix.items():
        for n in range(count):
            sending = rng.choice(urban if form == "support" else list(schools.values()))
            subject = rng.choice(SUBJECTS)
            if form == "secondment":
                sending.staffing[subject] = min(-1, sending.staffing.get(subject, 0))
            allowed = [s.id for s in schools.values() if broken_rule(form, sending, s, subject) is None]
            if not allowed:
                continue
            places[(rng.choice(allowed), form)] += 1  # the office sets a place where one fits
            people.append(Nominee(offset + len(people), form, sending, subject, tuple(rng.sample(allowed, min(3, len(allowed))))))
    return people, dict(places)


def check(result, people, schools, places) -> int:
    """Every placement obeys its form and the receiving quotas; returns how many were placed."""
    used = Counter()
    for nominee in people:
        school_id = result[nominee.id].school_id
        if school_id is None:
            continue
        if broken_rule(nominee.form, nominee.sending, schools[school_id], nominee.subject) is not None:
            raise AssertionError(f"nominee {nominee.id} placed against the rules")
        used[(school_id, nominee.form)] += 1
    if any(count > places.get(key, 0) for key, count in used.items()):
        raise AssertionError("a receiving quota is exceeded")
    return sum(used.values())


def bench_county(rng, repeats: int) -> dict:
    schools = county(rng, 60)
    mix = {"secondment": 60, "support": 60, "exchange": 60, "group": 80, "district": 60}
    timings, placed = [], 0
    for _ in range(repeats):
        people, places = nominees_for(rng, schools, mix, 0)
        started = time.perf_counter()
        result = match(people, schools, places)
        timings.append(time.perf_counter() - started)
        placed = check(result, people, schools, places)
    figures = {"nominees": len(people), "schools": 60, "placed_last_run": placed, "seconds": summary(timings)}
    print(f"county plan: {len(people)} nominees over 60 schools — median {figures['seconds']['median_ms']:.0f} ms, "
          f"max {figures['seconds']['max_ms']:.0f} ms (target < 5,000 ms); {placed} placed, all valid")
    return figures


def bench_banan(rng, years: list[dict]) -> dict:
    schools = county(rng, 150)
    yearly, total = [], 0
    for year, mix in enumerate(years):
        people, places = nominees_for(rng, schools, {k: round(v * 1.07) for k, v in mix.items()}, year * 10_000)
        started = time.perf_counter()
        result = match(people, schools, places)
        seconds = time.perf_counter() - started
        placed = check(result, people, schools, places)
        total += placed
        yearly.append({"year": year + 1, "nominees": len(people), "placed": placed, "seconds": round(seconds, 3)})
        print(f"Banan year {year + 1}: {len(people)} nominees, {placed} placed in {seconds:.2f} s")
    print(f"Banan five years: {total} rotations placed over 150 schools")
    return {"schools": 150, "years": yearly, "placed": total}


def bench_due(rng, people: int) -> dict:
    library = load_library(PROJECT_ROOT / "workflows", frozenset(h.name for h in declared_handlers(discover())))
    table = library.parser.get_engine("rotation_due", None)
    engine = ScriptEngine()
    on = date(2027, 9, 1)
    facts_s = decide_s = 0.0
    due = 0
    for n in range(people):
        home = SchoolFacts(n % 60, n % 3 == 0, n % 10 == 0, f"d{n % 10}")
        elsewhere = SchoolFacts(60 + n % 7, True, False, "d99")
        hired = on - timedelta(days=rng.randint(400, 12_000))
        moved = hired + timedelta(days=rng.randint(0, (on - hired).days))
        stints = [Stint(elsewhere, "teacher", hired, moved, False), Stint(home, rng.choice(["teacher"] * 30 + ["vice_principal", "principal"]), moved, None, False)]
        started = time.perf_counter()
        facts = person_facts(stints, hire_date=hired, title_grade=rng.choice(["junior", "intermediate", "senior"]),
                             plans_senior=rng.random() < 0.1, holds_title=rng.random() < 0.08, rotating=False, on=on)
        middle = time.perf_counter()
        task = SimpleNamespace(data={"person": facts}, workflow=SimpleNamespace(script_engine=engine))
        due += bool(table.result(task).get("due"))
        facts_s += middle - started
        decide_s += time.perf_counter() - middle
    print(f"due lists: {people} people, {due} due — facts {facts_s * 1000 / people:.3f} ms and decision table "
          f"{decide_s * 1000 / people:.3f} ms per person, {facts_s + decide_s:.2f} s in all")
    return {"people": people, "due": due, "facts_ms_per_person": round(facts_s * 1000 / people, 3),
            "decision_ms_per_person": round(decide_s * 1000 / people, 3), "total_s": round(facts_s + decide_s, 2)}


def main() -> None:
    options = arguments(__doc__.splitlines()[0])
    rng = random.Random(16)
    payload = {
        "quick": options.quick,
        "county_plan": bench_county(rng, 2 if options.quick else 5),
        "banan_five_years": bench_banan(rng, BANAN_YEARS[:2] if options.quick else BANAN_YEARS),
        "due_lists": bench_due(rng, 300 if options.quick else 2400),
    }
    save_result("bench_rotation", payload)


if __name__ == "__main__":
    main()
