"""Training and conferral at scale, and importing earlier title holders.

1. A cohort of 406 trainees (seed 001: a city trains 406 primary Chinese backbone teachers in one
   cycle): open it from a finished review, save the plan (10 sessions, six weighted components),
   the attendance grid and the score grid for everyone, each stage finished through the engine,
   then the conferral proposed, approved and numbered (406 certificates from the gapless sequence).
2. Importing 40,000 existing title holders from one .xlsx (a province-size sheet) as the county
   office does it on the pages: upload, the background job checks every row, the preview, the apply
   enters them through the register in one transaction — target under 60 s from upload to applied.
SQLite in a temporary file (the same code runs on PostgreSQL). `--quick`: 30 trainees, 2,000 holders.
"""
from __future__ import annotations

import io
import time
from datetime import date, timedelta

from common import arguments, load_average, make_app, save_result, sqlite_url, verdict

COMPONENTS = [("learning", 20), ("design", 20), ("fragment", 20), ("courseware", 10), ("research", 10),
              ("portfolio", 20)]


def add_teachers(county_name: str, count: int, prefix: str) -> list[int]:
    """`count` teachers in the county's first school, inserted in bulk (fixed password hash)."""
    from sqlalchemy import insert, select

    from webapp.extensions import db
    from webapp.models import Organisation, OrgKind, RoleAssignment, TeacherProfile, User
    from webapp.roles import Role

    county = db.session.scalar(select(Organisation).filter_by(name=county_name, kind=OrgKind.county))
    school = db.session.scalar(select(Organisation).where(Organisation.parent_id == county.id).order_by(Organisation.id))
    db.session.execute(insert(User), [{"username": f"{prefix}{n:05d}", "display_name": f"教师{prefix}{n:05d}",
                                       "password_hash": "x", "is_active_flag": True} for n in range(count)])
    ids = list(db.session.scalars(select(User.id).where(User.username.like(f"{prefix}%")).order_by(User.id)))
    db.session.execute(insert(TeacherProfile), [
        {"user_id": uid, "school_id": school.id, "birth_date": date(1985, 1, 1), "teaching_start_date": date(2008, 9, 1),
         "professional_title": "intermediate", "education": "bachelor", "subject": "chinese"} for uid in ids])
    db.session.execute(insert(RoleAssignment), [{"user_id": uid, "role": Role.teacher, "org_id": school.id} for uid in ids])
    db.session.flush()
    return ids


def cohort_run(app, size: int) -> dict:
    from sqlalchemy import select
    from werkzeug.datastructures import MultiDict

    from webapp.demo_training import confer_cohort, finished_review
    from webapp.extensions import db
    from webapp.models import HumanTask, Organisation, TaskState, TitleHolding, User
    from webapp.processes.training import assessment, attendance, opening, plan
    from webapp.workflow.operations import complete_task

    timings = {}
    engine = app.extensions["workflow_engine"]
    with app.test_request_context():
        add_teachers("汉阴县", size, "c")
        county = db.session.scalar(select(Organisation).filter_by(name="汉阴县"))
        usernames = [f"c{n:05d}" for n in range(size)]
        review = finished_review(county, "backbone", usernames, [])
        office, centre = (db.session.scalar(select(User).filter_by(username=u)) for u in ("county", "training"))

        def finish(cohort, step):
            task = db.session.scalar(select(HumanTask).filter_by(instance_id=cohort.instance_id, task_name=step,
                                                                 state=TaskState.open))
            complete_task(engine, centre, task, {})

        started = time.perf_counter()
        cohort = opening.open_cohort(engine, office, county, review.id)
        timings["open_cohort_s"] = time.perf_counter() - started
        form = MultiDict()
        for i, (name, weight) in enumerate(COMPONENTS):
            form[f"component_{i}"], form[f"weight_{i}"] = name, str(weight)
        for i in range(10):
            form[f"session_day_{i}"] = (date.today() + timedelta(days=i)).isoformat()
            form[f"session_hours_{i}"], form[f"session_topic_{i}"] = "6", f"第{i + 1}天"
        started = time.perf_counter()
        plan.save_plan(cohort, form)
        finish(cohort, "plan")
        timings["plan_s"] = time.perf_counter() - started
        started = time.perf_counter()
        attendance.record_attendance(cohort, {(t.id, s.id): "present" for t in cohort.trainees for s in cohort.sessions})
        finish(cohort, "centralised")
        finish(cohort, "practice")
        timings["attendance_grid_and_rule_s"] = time.perf_counter() - started
        started = time.perf_counter()
        assessment.record_scores(cohort, {(t.id, name): str(60 + (n * 7) % 40) for n, t in enumerate(cohort.trainees)
                                        for name, _w in COMPONENTS})
        finish(cohort, "assessment")
        timings["scores_and_assessment_s"] = time.perf_counter() - started
        started = time.perf_counter()
        confer_cohort(engine, county, cohort)
        db.session.commit()
        timings["conferral_s"] = time.perf_counter() - started
        timings["certificates"] = db.session.query(TitleHolding).count()
    return timings


def import_run(app, rows: int) -> dict:
    """The holders import as a county office runs it: upload on the page, the background check, the
    preview, the apply; wall time from the upload to the applied job, and the process's CPU time
    (SQLite runs inside the process, so that is the database's work too)."""
    from openpyxl import Workbook
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.imports.jobs import wait
    from webapp.models import ImportJob, Organisation, TitleHolding
    from webapp.processes.conferral import holders_import

    with app.test_request_context():
        add_teachers("汉阴县", rows, "h")
        db.session.commit()
        county_id = db.session.scalar(select(Organisation.id).filter_by(name="汉阴县"))
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(holders_import.HEADERS_ZH)
    sheet.append(holders_import.COLUMNS)
    for n in range(rows):
        sheet.append([f"h{n:05d}", f"教师h{n:05d}", "county", "backbone", "chinese", f"IMP-{n:06d}", "2023-09-01",
                      "2028-09-01", 300])
    out = io.BytesIO()
    book.save(out)
    content = out.getvalue()
    office = app.test_client()
    assert office.post("/login", data={"username": "county", "password": "demo1234"}).status_code == 302
    load_before = load_average()
    started, cpu_started = time.perf_counter(), time.process_time()
    response = office.post(f"/conferral/register/{county_id}/import", content_type="multipart/form-data",
                           data={"sheet": (io.BytesIO(content), "holders.xlsx")})
    assert response.status_code == 302, response.get_data(as_text=True)[-500:]
    job_url = response.headers["Location"]
    job_id = int(job_url.rstrip("/").rsplit("/", 1)[1])
    wait(app, job_id, timeout=3600)
    checked, cpu_checked = time.perf_counter(), time.process_time()
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job.status == "checked", (job.status, (job.problems or [])[:3])
    assert office.get(job_url).status_code == 200  # the preview
    assert office.post(f"{job_url}/apply").status_code == 302
    wait(app, job_id, timeout=3600)
    applied, cpu_applied = time.perf_counter(), time.process_time()
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job.status == "applied", (job.status, job.problems)
        assert db.session.query(TitleHolding).filter_by(source="import").count() == rows
    return {"rows": rows, "read_and_check_s": round(checked - started, 2), "apply_s": round(applied - checked, 2),
            "total_s": round(applied - started, 2), "cpu_check_s": round(cpu_checked - cpu_started, 2),
            "cpu_apply_s": round(cpu_applied - cpu_checked, 2), "cpu_total_s": round(cpu_applied - cpu_started, 2),
            "load_average_before": load_before, "load_average_after": load_average(),
            "verdict": verdict(applied - started, 60)}


def main() -> None:
    args = arguments(__doc__, [("--holders-only", {"action": "store_true", "help": "only the import of title holders"})])
    trainees, holders = (30, 2000) if args.quick else (406, 40000)
    from webapp.demo import build_demo
    from webapp.extensions import db

    app = make_app(sqlite_url())
    with app.app_context():
        build_demo()
        db.session.commit()
    cohort = None
    if not args.holders_only:
        cohort = cohort_run(app, trainees)
        print(f"cohort of {trainees}: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                                    for k, v in cohort.items()))
    imported = import_run(app, holders)
    print(f"import of {holders} title holders (upload → check → preview → apply, background job): "
          f"{imported['total_s']} s (check {imported['read_and_check_s']} s, apply {imported['apply_s']} s; "
          f"process CPU {imported['cpu_total_s']} s; load {imported['load_average_before'][0]}→"
          f"{imported['load_average_after'][0]}) — target < 60 s: {imported['verdict']}")
    save_result("bench_training" + ("_quick" if args.quick else ""), {"cohort": cohort, "import": imported,
                                                                       "quick": args.quick})


if __name__ == "__main__":
    main()
