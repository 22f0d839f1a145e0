"""Importing 40,000 teachers from Excel (target < 60 s) and the largest report at province scale (p95 < 500 ms).

On a throwaway PostgreSQL with durable settings: a generated province (cities, counties, schools,
teachers), then a sheet of 40,000 new teachers spread over its schools is uploaded by the province's
system administrator through the pages, checked and applied in the background job exactly as an
office would (upload → check → preview → apply); the time is from the upload to the applied job.
Then a tenth of all teachers get titles, and the title-holder report of the whole province (every
holder, grouped by city, with its charts) is requested repeatedly: its p95; and the several-counties
report of one city (every county, one table grouped by county). `--quick`: 2,000 rows and a small
province. `--skip-import`: no sheet and no import (to iterate on the reports); the generated province
then has the 240,000 teachers the import would have brought it to, so the report sees the same sizes.
"""
from __future__ import annotations

import io
import random
import time
from datetime import date, timedelta

from common import (arguments, load_average, make_app, postgres_cpu_seconds, save_result, start_bench_postgres,
                    summary, verdict)

from webapp.generator import PopulationSize


def _sheet(schools: list[str], rows: int, seed: int) -> bytes:
    from openpyxl import Workbook

    from webapp.people.idnumber import make
    from webapp.people.importing.sheet import HEADERS, SHEET_TITLE

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    sheet.append(list(HEADERS))
    subjects = ["语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "音乐", "美术", "体育", "信息技术"]
    for index in range(rows):
        born = date(1965, 1, 1) + timedelta(days=rng.randint(0, 35 * 365))
        sheet.append([rng.choice(schools), f"基准教师{index:06d}", make(f"{530100 + index // 1000:06d}", born, index % 1000),
                      None, None, born + timedelta(days=23 * 365), rng.choice(["本科", "硕士", "大专"]),
                      rng.choice(["二级教师", "一级教师", "高级教师"]), rng.choice(subjects), None, "教师", f"bt{index:06d}"])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def main() -> None:
    options = arguments(__doc__.splitlines()[0], [("--skip-import", {
        "action": "store_true", "help": "measure the reports only (the province generated at its size after the import)"})])
    rows = 2_000 if options.quick else 40_000
    size = (PopulationSize(cities=2, counties=4, schools=40, teachers=2_000) if options.quick
            else PopulationSize(cities=16, counties=130, schools=4_000, teachers=200_000))
    if options.skip_import:
        size = PopulationSize(cities=size.cities, counties=size.counties, schools=size.schools,
                              teachers=size.teachers + rows)
        rows = 0
    server, database = start_bench_postgres("sanji_bench_people")
    try:
        app = make_app(server.url)
        payload = {"quick": options.quick, "skip_import": options.skip_import, "rows": rows,
                   "population": size.__dict__}
        with app.app_context():
            payload.update(_run(app, size, rows, server))
        save_result("bench_people", payload, database["version"])
    finally:
        server.stop()


def _run(app, size: PopulationSize, rows: int, server) -> dict:
    from webapp.demo import _user
    from webapp.extensions import db
    from webapp.generator import generate_population
    from webapp.models import Organisation
    from webapp.roles import Role
    from werkzeug.security import generate_password_hash

    started = time.perf_counter()
    population = generate_population(size, seed=3, prefix="p", assessments=False)
    province = db.session.get(Organisation, population.province_id)
    password = generate_password_hash("demo1234")
    _user("bench_admin", "基准系统管理员", Role.sysadmin, province, password)
    _user("bench_office", "基准省教育厅", Role.province_office, province, password)
    db.session.commit()
    print(f"population: {size.teachers} teachers in {size.schools} schools generated in {time.perf_counter() - started:.1f} s")
    imported = _import(app, rows, server) if rows else {}
    return {**imported, **_reports(app, province)}


def _import(app, rows: int, server) -> dict:
    """Upload, check and apply a sheet of `rows` new teachers through the pages, as an office would."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Organisation, OrgKind
    from webapp.imports.jobs import wait
    from webapp.people.models import ImportJob

    schools = list(db.session.scalars(select(Organisation.code).where(Organisation.kind == OrgKind.school)))
    data = _sheet(schools, rows, seed=5)
    print(f"sheet: {rows} rows, {len(data) / 1e6:.1f} MB")

    client = app.test_client()
    assert client.post("/login", data={"username": "bench_admin", "password": "demo1234"}).status_code == 302
    load_before, db_cpu_before = load_average(), postgres_cpu_seconds(server)
    begun, cpu_begun = time.perf_counter(), time.process_time()
    response = client.post("/admin/people/imports", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), "teachers.xlsx"), "initial_password": "Bench-start-2026"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    wait(app, job_id, timeout=3600)
    checked, cpu_checked = time.perf_counter(), time.process_time()
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    assert job.status == "checked", (job.status, (job.problems or [])[:3])
    assert client.post(f"/admin/people/imports/{job_id}/apply").status_code == 302
    wait(app, job_id, timeout=3600)
    applied, cpu_applied = time.perf_counter(), time.process_time()
    db_cpu_after, load_after = postgres_cpu_seconds(server), load_average()
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    assert job.status == "applied" and job.summary["created"] == rows, (job.status, job.problems)
    import_s, check_s, apply_s = applied - begun, checked - begun, applied - checked
    print(f"import of {rows} teachers: {import_s:.1f} s (check {checked - begun:.1f} s, apply {applied - checked:.1f} s) "
          f"— target < 60 s: {verdict(import_s, 60)}")
    db_cpu = None if db_cpu_before is None or db_cpu_after is None else round(db_cpu_after - db_cpu_before, 1)
    cpu = {"cpu_check_s": round(cpu_checked - cpu_begun, 1), "cpu_apply_s": round(cpu_applied - cpu_checked, 1),
           "cpu_total_s": round(cpu_applied - cpu_begun, 1), "db_server_cpu_s": db_cpu,
           "import_load_before": load_before, "import_load_after": load_after}
    print(f"  CPU: this process {cpu['cpu_total_s']} s (check {cpu['cpu_check_s']} s, apply {cpu['cpu_apply_s']} s), "
          f"PostgreSQL server {db_cpu} s; load {load_before[0]}→{load_after[0]}")
    return {"import_s": round(import_s, 1), "check_s": round(check_s, 1), "apply_s": round(apply_s, 1),
            "import_cpu": cpu, "import_verdict": verdict(import_s, 60)}


def _reports(app, province) -> dict:
    """A tenth of all teachers get titles; the province's title-holder report and a city's several-counties
    report, requested repeatedly by the province office."""
    from sqlalchemy import insert, select, text

    from webapp.extensions import db
    from webapp.models import Organisation, OrgKind, TeacherProfile, TitleHolding

    teachers = list(db.session.scalars(select(TeacherProfile.user_id)))
    rng = random.Random(9)
    today = date.today()
    holdings = [{"user_id": user_id, "level": rng.choice(["county", "county", "city", "province"]),
                 "category": rng.choice(["backbone", "academic_leader", "famous_teacher"]),
                 "certificate_no": f"B-{user_id}", "valid_from": today - timedelta(days=rng.randint(0, 2000)),
                 "valid_until": today + timedelta(days=rng.randint(-300, 1800)), "active": rng.random() > 0.05}
                for user_id in rng.sample(teachers, len(teachers) // 10)]
    for holding in holdings:  # the register's status (the reports read it): a few revoked, past terms lapsed
        holding["status"] = ("revoked" if not holding["active"] else
                             "lapsed" if holding["valid_until"] < today else "active")
        holding["active"] = holding["status"] == "active"
    for start in range(0, len(holdings), 5000):
        db.session.execute(insert(TitleHolding), holdings[start:start + 5000])
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()

    office = app.test_client()
    assert office.post("/login", data={"username": "bench_office", "password": "demo1234"}).status_code == 302
    samples = []
    load_before = load_average()
    url = f"/admin/people/reports?org={province.id}&by=org"
    for repeat in range(32):
        begun = time.perf_counter()
        response = office.get(url)
        elapsed = time.perf_counter() - begun
        assert response.status_code == 200
        if repeat >= 2:  # the first two warm the caches
            samples.append(elapsed)
    report = summary(samples)
    print(f"province title-holder report ({len(holdings)} holders of {len(teachers)} teachers): "
          f"median {report['median_ms']} ms, p95 {report['p95_ms']} ms — target p95 < 500 ms: "
          f"{verdict(report['p95_ms'], 500)}  (load average {load_before} before, {load_average()} after)")
    report["load_average"] = [load_before, load_average()]
    city = db.session.scalar(select(Organisation).where(Organisation.kind == OrgKind.city).order_by(Organisation.id))
    counties_url = f"/admin/people/reports/counties?org={city.id}"
    samples = []
    for repeat in range(22):
        begun = time.perf_counter()
        assert office.get(counties_url).status_code == 200
        if repeat >= 2:
            samples.append(time.perf_counter() - begun)
    counties = summary(samples)
    print(f"several-counties report of one city (all its counties, grouped by county): "
          f"median {counties['median_ms']} ms, p95 {counties['p95_ms']} ms")
    return {"counties_report": counties, "holders": len(holdings), "teachers": len(teachers),
            "report": report, "report_verdict": verdict(report["p95_ms"], 500)}


if __name__ == "__main__":
    main()
