"""Annual review at a province's scale: opening the review for 40,000 active titles, and the lapse scan.

    .venv/bin/python bench/bench_annual.py [--quick] [--database-url postgresql+psycopg://…]

Starts a throwaway PostgreSQL (tests/support/postgres.py) unless a URL is given, generates a
province (16 counties, 800 schools, 40,000 teachers; --quick: 2 counties, 1,000 teachers) and one
county backbone title per teacher through bulk inserts, then measures:

1. opening the annual review county by county (`opening.open_annual_review`: one instance of
   annual_review.bpmn per title, inbox rows, reminders, announcements, audit) — the target is a
   county in under 10 s; the province's total is the sum;
2. the lapse scan (`term.lapse_due_titles`) over the 40,000 titles with 10 % past their end
   (each lapsed through the register, holder and school told), then the idle rescan;
3. the expiry-reminder scan (`term.remind_expiring`) over the same titles.
Writes bench/results/bench_annual.json.
"""
from __future__ import annotations

import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from common import arguments, save_result

from sqlalchemy import func, insert, select, text


def main() -> None:
    args = arguments(__doc__.split("\n")[0], [("--database-url", {"help": "an empty PostgreSQL database"})])
    server = None
    url = args.database_url
    if url is None:
        from tests.support.postgres import start_postgres

        server = start_postgres("sanji_bench_annual")
        url = server.url
    try:
        payload, version = run(url, quick=args.quick)
    finally:
        if server is not None:
            server.stop()
    save_result("bench_annual", payload, version)


def run(url: str, quick: bool) -> tuple[dict, str]:
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db
    from webapp.generator import PopulationSize, generate_population
    from webapp.models import Organisation, TitleHolding
    from webapp.processes.annual_review import term
    from webapp.processes.annual_review.models import AnnualReview
    from webapp.processes.annual_review.opening import open_annual_review

    size = (PopulationSize(cities=1, counties=2, schools=20, teachers=1_000) if quick
            else PopulationSize(cities=4, counties=16, schools=800, teachers=40_000))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SMTP_HOST": "",
                      "INSTANCE_DIR": Path(tempfile.mkdtemp(prefix="sanji-bench-"))})
    with app.test_request_context():
        upgrade()
        version = db.session.execute(text("SHOW server_version")).scalar()
        started = time.perf_counter()
        population = generate_population(size, prefix="a")
        db.session.commit()
        rows = []
        for index, teacher_id in enumerate(population.teacher_ids):
            school_id = population.teacher_school[teacher_id]
            conferred = date(2022 + index % 4, 1 + index % 12, 1 + index % 28)
            # 10 % ended before the scan's day (2027-03-10), the rest run to 2027–2030.
            until = date(2026, 12, 1 + index % 28) if index % 10 == 0 else date(conferred.year + 5, conferred.month,
                                                                                   conferred.day)
            rows.append({"user_id": teacher_id, "level": "county", "category": "backbone", "subject": "mathematics",
                         "org_id": school_id, "county_id": population.school_county[school_id],
                         "conferred_on": conferred, "valid_from": conferred, "valid_until": until, "active": True,
                         "status": "active", "allowance_monthly": 300, "allowance_from": conferred, "source": "demo"})
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(TitleHolding), rows[start:start + 5000])
        db.session.commit()
        print(f"generated {len(population.teacher_ids):,} teachers and titles in {time.perf_counter() - started:.1f} s")
        engine = app.extensions["workflow_engine"]
        office = None
        county_times = []
        for county_id in population.county_ids:
            county = db.session.get(Organisation, county_id)
            began = time.perf_counter()
            round_ = open_annual_review(engine, office, county, 2026)
            db.session.commit()
            seconds = time.perf_counter() - began
            county_times.append((round_.reviews_opened, seconds))
            print(f"  county {county.name}: {round_.reviews_opened:,} reviews opened in {seconds:.2f} s")
        opened = db.session.scalar(select(func.count()).select_from(AnnualReview))
        total_open = sum(seconds for _n, seconds in county_times)
        print(f"opened {opened:,} reviews in {total_open:.1f} s "
              f"({opened / total_open:,.0f} per second; slowest county {max(s for _n, s in county_times):.2f} s)")
        now = datetime(2027, 3, 10, 2, 0, tzinfo=timezone.utc)
        began = time.perf_counter()
        lapsed = term.lapse_due_titles(now)
        lapse_seconds = time.perf_counter() - began
        began = time.perf_counter()
        idle = term.lapse_due_titles(now)
        idle_seconds = time.perf_counter() - began
        print(f"lapse scan: {lapsed:,} titles lapsed in {lapse_seconds:.2f} s; idle rescan {idle_seconds * 1000:.0f} ms ({idle} more)")
        began = time.perf_counter()
        reminded = term.remind_expiring(now)
        remind_seconds = time.perf_counter() - began
        print(f"expiry reminders: {reminded:,} sent in {remind_seconds:.2f} s")
        return {
            "dataset": {"teachers": len(population.teacher_ids), "counties": len(population.county_ids),
                        "titles": len(rows), "quick": quick},
            "open_review": {"reviews": opened, "seconds": round(total_open, 2),
                            "per_second": round(opened / total_open), "target_county_seconds": 10,
                            "counties": [{"reviews": n, "seconds": round(s, 2)} for n, s in county_times]},
            "lapse_scan": {"lapsed": lapsed, "seconds": round(lapse_seconds, 2), "idle_ms": round(idle_seconds * 1000, 1)},
            "expiry_reminders": {"sent": reminded, "seconds": round(remind_seconds, 2)},
        }, version


if __name__ == "__main__":
    main()
