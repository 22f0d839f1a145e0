"""Scheduler benchmark on PostgreSQL: the reminder scan over 1,000,000 human-task rows, and timers.

    .venv/bin/python bench/bench_scheduler.py [--database-url postgresql+psycopg://…]

Without a URL it starts a throwaway PostgreSQL server (tests/support/postgres.py), so it needs
`initdb`/`pg_ctl` on the PATH. It builds, with bulk SQL (INSERT … SELECT generate_series, COPY):

- 1 province, 1 city, 10 counties, 1,000 schools, 20,000 teachers and their administrators;
- 100,000 instances with 1,000,000 human-task rows: 800,000 completed, 200,000 open, of which
  20,000 overdue (due at the end of one of the last 15 working days, or at 15:59 on one of
  them) and all due for a reminder now; the other 180,000 are due in the next 20 working days
  and carry the first reminder moment the app would have given them;
- 10,000 real self-application instances (one started through the service layer, the rest
  copies with their own application row) whose deadline timer is due.

Then it times one reminder scan (claim, decide, write notifications, reschedule: target ≤ 2 s),
an idle rescan, and advancing 10,000 due timers with one scheduler process (target ≥ 200
instances/s), then another 10,000 with two scheduler processes sharing the work through
SKIP LOCKED (as `flask scheduler` does when run twice); each scheduler is a fresh process that
has loaded the app before the clock starts. It prints the figures and writes
bench/results/scheduler.json with a description of the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TASKS = 1_000_000
OPEN_EVERY = 5  # every 5th task is open: 200,000
OVERDUE_EVERY = 10  # every 10th open task is overdue: 20,000
TIMERS = 10_000
SCHOOLS, COUNTIES, TEACHERS = 1000, 10, 20_000
FIRST_APPLICATION_ID = 500_001
SCAN_TARGET_SECONDS, TIMER_TARGET_PER_SECOND = 2.0, 200


def main() -> None:
    """Build the data, run the measurements, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: start a throwaway server)")
    parser.add_argument("--timer-worker", nargs=2, help=argparse.SUPPRESS)  # internal: URL and limit
    args, _others = parser.parse_known_args()  # `make bench` passes BENCH_ARGS meant for other scripts too
    if args.timer_worker:
        timer_worker(args.timer_worker[0], int(args.timer_worker[1]))
        return
    server = None
    url = args.database_url
    if url is None:
        from tests.support.postgres import start_postgres

        server = start_postgres("sanji_bench")
        url = server.url
    try:
        results = run(url)
    finally:
        if server is not None:
            server.stop()
    out = ROOT / "bench" / "results" / "scheduler.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nWritten to {out.relative_to(ROOT)}")


def run(url: str) -> dict:
    """Everything inside one app context on the given database."""
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db

    instance_dir = tempfile.mkdtemp(prefix="sanji-bench-")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SMTP_HOST": "",
                      "INSTANCE_DIR": Path(instance_dir)})
    with app.app_context():
        upgrade()
        described = machine()  # before the measurements: the load average says how busy the machine was
        print(f"machine: {described}")
        started = time.perf_counter()
        now = datetime.now(timezone.utc)
        build_people()
        version_id = app.extensions["workflow_engine"].current_version("self_application").id
        db.session.commit()
        build_tasks(version_id, now)
        load_seconds = time.perf_counter() - started
        print(f"loaded {TASKS:,} human tasks in {load_seconds:.1f} s")
        scan = measure_scan()
        due = build_due_timers(app, now, 2 * TIMERS)
        db.session.commit()
        timers = measure_timers(url, due)
        return {
            "benchmark": "scheduler",
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": ".venv/bin/python bench/bench_scheduler.py",
            "machine": described,
            "dataset": {"human_tasks": TASKS, "open": TASKS // OPEN_EVERY,
                        "overdue": TASKS // OPEN_EVERY // OVERDUE_EVERY, "load_seconds": round(load_seconds, 1)},
            "reminder_scan": scan,
            "timers": timers,
        }


def machine() -> dict:
    """CPU, memory, Python and PostgreSQL versions."""
    from webapp.extensions import db

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": db.session.execute(db.text("SHOW server_version")).scalar(),
        "platform": platform.platform(),
        "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
        "note": "the machine is shared: other work running at the same time shows in the load average",
    }


def sql(script: str, params: dict | None = None) -> None:
    """Run statements (separated by ';' at line ends) as the driver sees them (lists become arrays)."""
    import re

    from webapp.extensions import db

    for statement in re.split(r";\s*\n", script):
        if statement.strip():
            names = set(re.findall(r"%\((\w+)\)s", statement))
            db.session.connection().exec_driver_sql(statement, {k: v for k, v in (params or {}).items() if k in names})


def build_people() -> None:
    """Organisations, teachers, school administrators, county and city offices, with roles."""
    from webapp.extensions import db

    sql("""
        INSERT INTO organisation (id, kind, name, code, parent_id, path, is_rural, teacher_headcount) VALUES
          (1, 'province', '基准省', 'B53', NULL, '/1/', false, 0),
          (2, 'city', '基准市', 'B5301', 1, '/1/2/', false, 0);
        INSERT INTO organisation (id, kind, name, code, parent_id, path, is_rural, teacher_headcount)
          SELECT 2 + c, 'county', '基准县' || c, 'B-C' || c, 2, '/1/2/' || (2 + c) || '/', false, 0
          FROM generate_series(1, %(counties)s) c;
        INSERT INTO organisation (id, kind, name, code, parent_id, path, is_rural, teacher_headcount)
          SELECT 12 + s, 'school', '基准学校' || s, 'B-S' || s, 3 + (s - 1) %% %(counties)s,
                 '/1/2/' || (3 + (s - 1) %% %(counties)s) || '/' || (12 + s) || '/', s %% 3 = 0, 20
          FROM generate_series(1, %(schools)s) s;
        SELECT setval(pg_get_serial_sequence('organisation', 'id'), 100000);
        INSERT INTO user_account (id, username, display_name, email, password_hash, is_active, created_dt)
          SELECT i, 'bt' || i, '教师' || i, 'bt' || i || '@example.edu.cn', 'x', true, now()
          FROM generate_series(1, %(teachers)s) i;
        INSERT INTO user_account (id, username, display_name, email, password_hash, is_active, created_dt)
          SELECT %(teachers)s + s, 'bs' || s, '校长' || s, 'bs' || s || '@example.edu.cn', 'x', true, now()
          FROM generate_series(1, %(schools)s) s;
        INSERT INTO user_account (id, username, display_name, email, password_hash, is_active, created_dt)
          SELECT %(teachers)s + %(schools)s + c, 'bc' || c, '县骨干办' || c, 'bc' || c || '@example.edu.cn', 'x', true, now()
          FROM generate_series(1, %(counties)s + 1) c;
        SELECT setval(pg_get_serial_sequence('user_account', 'id'), 1000000);
        INSERT INTO role_assignment (user_id, role, org_id)
          SELECT i, 'teacher', 13 + (i - 1) %% %(schools)s FROM generate_series(1, %(teachers)s) i;
        INSERT INTO role_assignment (user_id, role, org_id)
          SELECT %(teachers)s + s, 'school_admin', 12 + s FROM generate_series(1, %(schools)s) s;
        INSERT INTO role_assignment (user_id, role, org_id)
          SELECT %(teachers)s + %(schools)s + c, 'county_office', 2 + c FROM generate_series(1, %(counties)s) c;
        INSERT INTO role_assignment (user_id, role, org_id) VALUES (%(teachers)s + %(schools)s + %(counties)s + 1, 'city_office', 2);
    """, {"counties": COUNTIES, "schools": SCHOOLS, "teachers": TEACHERS})
    db.session.commit()


def due_moments(now: datetime) -> tuple[list[datetime], list[datetime], list[datetime]]:
    """Past due moments (ends of the last 15 working days, and 15:59 on them), future ones, and
    the first reminder moment of each future one, as the app computes them."""
    from webapp.calendar import end_of_working_days, local_zone
    from webapp.calendar.window import WorkingDayWindow
    from webapp.notifications.reminders import first_reminder_dt

    zone = local_zone()
    window = WorkingDayWindow((now - timedelta(days=40)).date(), (now + timedelta(days=40)).date())
    today_end = end_of_working_days(now, 0)
    past = [window.shift_deadline(today_end, -n) for n in range(1, 16)]
    past += [datetime.combine(p.astimezone(zone).date() - timedelta(days=1), datetime.min.time(), tzinfo=zone)
             .replace(hour=15, minute=59).astimezone(timezone.utc) for p in past]
    future = [window.shift_deadline(today_end, n) for n in range(1, 21)]
    first = [first_reminder_dt("self_application", "school_review", due, now) for due in future]
    return past, future, first


def build_tasks(version_id: int, now: datetime) -> None:
    """100,000 instances and 1,000,000 human tasks, generated on the server."""
    from webapp.extensions import db

    past, future, first = due_moments(now)
    instances = TASKS // 10
    sql("""
        INSERT INTO process_instance (id, version_id, process_id, status, subject_user_id, org_id, org_path, title,
                                      state_json, created_dt, updated_dt, lock_version)
          SELECT i, %(version)s, 'self_application', 'running', 1 + i %% %(teachers)s, 13 + i %% %(schools)s,
                 '/1/2/' || (3 + (i %% %(schools)s) %% %(counties)s) || '/' || (13 + i %% %(schools)s) || '/',
                 '教师' || (1 + i %% %(teachers)s) || ' · 县级骨干教师', '{}', now(), now(), 1
          FROM generate_series(1, %(instances)s) i;
        SELECT setval(pg_get_serial_sequence('process_instance', 'id'), 1000000);
    """, {"version": version_id, "teachers": TEACHERS, "schools": SCHOOLS, "counties": COUNTIES, "instances": instances})
    sql("""
        INSERT INTO human_task (id, instance_id, process_id, bpmn_task_id, task_name, title, title_en, role, org_id,
                                subject_user_id, subject_name, assignee_id, state, created_dt, due_dt, completed_dt,
                                completed_by_id, reminder_dt)
        SELECT g, (g - 1) / 10 + 1,
               CASE WHEN r = 9 THEN 'county_review' ELSE 'self_application' END,
               md5(g::text)::uuid::text,
               CASE WHEN r < 5 THEN 'correct_application' WHEN r < 9 THEN 'school_review' ELSE 'county_review' END,
               CASE WHEN r < 5 THEN '修改并重新提交申报' WHEN r < 9 THEN '学校审核申报' ELSE '县级审核' END,
               CASE WHEN r < 5 THEN 'Correct and resubmit' WHEN r < 9 THEN 'School review' ELSE 'County review' END,
               CASE WHEN r < 5 THEN 'teacher' WHEN r < 9 THEN 'school_admin' ELSE 'county_office' END,
               CASE WHEN r < 5 THEN 13 + (t - 1) %% %(schools)s WHEN r < 9 THEN 13 + g %% %(schools)s
                    ELSE 3 + g %% %(counties)s END,
               t, '教师' || t || ' · 县级骨干教师',
               CASE WHEN r < 5 THEN t END,
               CASE WHEN open THEN 'open' ELSE 'completed' END,
               %(now)s - interval '30 days',
               CASE WHEN overdue THEN (%(past)s::timestamptz[])[1 + k %% %(n_past)s]
                    WHEN open THEN (%(future)s::timestamptz[])[1 + k %% %(n_future)s]
                    ELSE %(now)s - interval '20 days' END,
               CASE WHEN open THEN NULL ELSE %(now)s - interval '21 days' END,
               CASE WHEN open THEN NULL ELSE t END,
               -- each open step's first reminder moment, written with the row as the app does
               CASE WHEN overdue THEN %(now)s - interval '1 minute'
                    WHEN open THEN (%(first)s::timestamptz[])[1 + k %% %(n_future)s] END
        FROM (
          SELECT g, g / %(open_every)s AS k, g %% %(open_every)s = 0 AS open,
                 g %% %(open_every)s = 0 AND (g / %(open_every)s) %% %(overdue_every)s = 0 AS overdue,
                 (g / 50) %% 10 AS r, 1 + g %% %(teachers)s AS t
          FROM generate_series(1, %(tasks)s) g
        ) s;
        SELECT setval(pg_get_serial_sequence('human_task', 'id'), 10000000);
        ANALYZE;
    """, {"now": now, "past": past, "future": future, "first": first, "n_past": len(past), "n_future": len(future),
          "schools": SCHOOLS, "counties": COUNTIES, "teachers": TEACHERS, "tasks": TASKS,
          "open_every": OPEN_EVERY, "overdue_every": OVERDUE_EVERY})
    db.session.commit()


def measure_scan() -> dict:
    """Time one reminder scan and an idle rescan; show the plan of the claim query."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import HumanTask, Notification
    from webapp.notifications.reminders import scan_reminders

    now = datetime.now(timezone.utc)
    due = db.session.scalar(select(func.count(HumanTask.id)).where(HumanTask.reminder_dt <= now))
    plan = "\n".join(db.session.execute(db.text(
        "EXPLAIN SELECT h.id, h.due_dt FROM human_task h "
        "WHERE h.reminder_dt <= now() ORDER BY h.reminder_dt LIMIT 5000 FOR UPDATE OF h SKIP LOCKED")).scalars())
    db.session.commit()
    started, cpu_started = time.perf_counter(), time.process_time()
    written = scan_reminders(now)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    started = time.perf_counter()
    again = scan_reminders(now)
    idle = time.perf_counter() - started
    kinds = dict(db.session.execute(select(Notification.kind, func.count()).group_by(Notification.kind)).all())
    result = {
        "tasks_due_for_a_reminder": due,
        "notifications_written": written,
        "by_kind": {kind.value: count for kind, count in kinds.items()},
        "seconds": round(seconds, 3),
        "python_cpu_seconds": round(cpu, 3),
        "idle_rescan_seconds": round(idle, 3),
        "idle_rescan_written": again,
        "target_seconds": SCAN_TARGET_SECONDS,
        "met": seconds <= SCAN_TARGET_SECONDS,
        "claim_query_plan": plan,
    }
    print(f"\nreminder scan: {due:,} steps due for a reminder among {TASKS // OPEN_EVERY:,} open, "
          f"{written:,} notifications written in {seconds:.2f} s (target ≤ {SCAN_TARGET_SECONDS} s: "
          f"{'met' if result['met'] else 'MISSED'}); idle rescan {idle * 1000:.0f} ms")
    print("  by kind: " + ", ".join(f"{k} {v:,}" for k, v in result["by_kind"].items()))
    print("  claim query plan:\n    " + plan.replace("\n", "\n    "))
    return result


def build_due_timers(app, now: datetime, count: int) -> int:
    """Self-applications whose deadline timer is due: one started for real, the rest copies."""
    from webapp.extensions import db
    from webapp.models import ApplicationCycle, HumanTask, ProcessInstance, TaskState
    from webapp.workflow.operations import start_instance

    from tests.scheduling import make_timers_due

    cycle = ApplicationCycle(county_id=3, year=now.year, level="county", category="backbone",
                             opens_dt=now - timedelta(days=30), deadline_dt=now - timedelta(minutes=5))
    db.session.add(cycle)
    db.session.flush()
    sql("""
        INSERT INTO application (id, teacher_id, school_id, cycle_id, level, category, subject, status, created_dt)
          SELECT %(first)s + i, 1 + i, 13 + i %% %(schools)s, %(cycle)s, 'county', 'backbone', 'mathematics', 'draft', now()
          FROM generate_series(0, %(count)s - 1) i;
    """, {"first": FIRST_APPLICATION_ID, "schools": SCHOOLS, "cycle": cycle.id, "count": count})
    from webapp.models import Organisation, User

    template = start_instance(
        app.extensions["workflow_engine"], "self_application", org=db.session.get(Organisation, 13), actor=None,
        subject=db.session.get(User, 1), title="教师1 · 县级骨干教师",
        data={"application_id": FIRST_APPLICATION_ID, "level": "county", "category": "backbone",
              "cycle_year": now.year, "application_deadline": (now + timedelta(days=1)).isoformat(),
              "teacher_name": "教师1", "school_name": "基准学校1"},
    )
    make_timers_due(template, now - timedelta(minutes=5))
    db.session.flush()
    task = db.session.query(HumanTask).filter_by(instance_id=template.id, state=TaskState.open).one()
    template.state_json = json.dumps(json.loads(template.state_json), ensure_ascii=False, separators=(",", ":"))
    marker = f'"application_id":{FIRST_APPLICATION_ID}'
    assert template.state_json.count(marker) >= 1
    _copy_instances(template, task, marker, count)
    db.session.commit()
    return db.session.query(ProcessInstance).filter(ProcessInstance.next_timer_dt <= now).count()


def _copy_instances(template, task, marker: str, count: int) -> None:
    """COPY the template instance and its open step `count - 1` times, each on its own application."""
    from webapp.extensions import db

    columns = ("id, version_id, process_id, status, subject_user_id, org_id, org_path, title, state_json, "
               "next_timer_dt, created_dt, updated_dt, lock_version")
    cursor = db.session.connection().connection.cursor()
    first_id = 2_000_001
    with cursor.copy(f"COPY process_instance ({columns}) FROM STDIN") as copy:
        for n in range(1, count):
            copy.write_row((first_id + n, template.version_id, "self_application", "running", 1 + n, 13 + n % SCHOOLS,
                            f"/1/2/{3 + (n % SCHOOLS) % COUNTIES}/{13 + n % SCHOOLS}/", f"教师{1 + n} · 县级骨干教师",
                            template.state_json.replace(marker, f'"application_id":{FIRST_APPLICATION_ID + n}'),
                            template.next_timer_dt, template.created_dt, template.created_dt, 1))
    task_columns = ("instance_id, process_id, bpmn_task_id, task_name, title, title_en, role, org_id, subject_user_id, "
                    "subject_name, assignee_id, form_file, state, created_dt, due_dt, reminder_dt")
    with cursor.copy(f"COPY human_task ({task_columns}) FROM STDIN") as copy:
        for n in range(1, count):
            copy.write_row((first_id + n, "self_application", task.bpmn_task_id, task.task_name, task.title,
                            task.title_en, "teacher", 13 + n % SCHOOLS, 1 + n, f"教师{1 + n}", 1 + n, task.form_file,
                            "open", task.created_dt, task.due_dt, task.reminder_dt))
    sql("UPDATE application SET instance_id = %(first)s + (id - %(app)s) WHERE id > %(app)s",
        {"first": first_id, "app": FIRST_APPLICATION_ID})
    sql("UPDATE application SET instance_id = %(template)s WHERE id = %(app)s",
        {"template": template.id, "app": FIRST_APPLICATION_ID})
    sql("ANALYZE process_instance;\nANALYZE human_task;\nANALYZE application")


def measure_timers(url: str, due: int) -> dict:
    """Advance 10,000 due timers with one scheduler process, then 10,000 more with two at once."""
    one = run_schedulers(url, 1, TIMERS)
    rate = one["instances_per_second"]
    result = {"due_instances": due, **one, "target_per_second": TIMER_TARGET_PER_SECOND,
              "met": rate >= TIMER_TARGET_PER_SECOND}
    print(f"\ntimers, one scheduler process: {one['advanced']:,} instances advanced in {one['seconds']:.1f} s = "
          f"{rate:.0f} instances/s (target ≥ {TIMER_TARGET_PER_SECOND}: {'met' if result['met'] else 'MISSED'})")
    print(f"  per instance: {one['wall_ms_per_instance']} ms wall, {one['python_cpu_ms_per_instance']} ms of it Python "
          f"CPU in the scheduler (the rest: PostgreSQL and waiting for a core)")
    two = run_schedulers(url, 2, None)
    result["two_schedulers"] = two
    print(f"timers, two scheduler processes at once: {two['advanced']:,} instances ({' + '.join(f'{n:,}' for n in two['advanced_per_process'])}) "
          f"in {two['seconds']:.1f} s = {two['instances_per_second']:.0f} instances/s")
    check = fired_once()
    result["check"] = check
    print(f"  {check['timer_events']:,} timer events for {check['applications_expired']:,} expired applications "
          f"and {check['instances_advanced']:,} instances: each fired exactly once")
    return result


def run_schedulers(url: str, count: int, limit: int | None) -> dict:
    """Start `count` scheduler processes, let them go at the same moment, time until all are done."""
    command = [sys.executable, str(Path(__file__).resolve()), "--timer-worker", url, str(limit or 0)]
    workers = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
               for _ in range(count)]
    for worker in workers:  # each has imported the app and parsed the diagrams
        assert worker.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    reports = [json.loads(worker.stdout.readline()) for worker in workers]
    seconds = time.perf_counter() - started
    for worker in workers:
        worker.wait(60)
    advanced = sum(report["advanced"] for report in reports)
    cpu = sum(report["cpu_seconds"] for report in reports)
    return {
        "processes": count,
        "advanced": advanced,
        "advanced_per_process": [report["advanced"] for report in reports],
        "seconds": round(seconds, 2),
        "instances_per_second": round(advanced / seconds, 1),
        "wall_ms_per_instance": round(seconds / max(advanced, 1) * 1000 * count, 2),
        "python_cpu_ms_per_instance": round(cpu / max(advanced, 1) * 1000, 2),
    }


def fired_once() -> dict:
    """Count timer events, expired applications and finished instances: they must all agree."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import AuditEvent, InstanceStatus, ProcessInstance
    from webapp.processes.self_application.models import Application, ApplicationStatus

    db.session.expire_all()
    check = {
        "timer_events": db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "timer")),
        "applications_expired": db.session.scalar(
            select(func.count(Application.id)).where(Application.status == ApplicationStatus.expired)),
        "instances_advanced": db.session.scalar(
            select(func.count(ProcessInstance.id)).where(ProcessInstance.status == InstanceStatus.completed)),
    }
    assert len(set(check.values())) == 1, check
    return check


def timer_worker(url: str, limit: int) -> None:
    """One scheduler process: wait for the signal, then advance due timers (up to `limit`, 0: all)."""
    from webapp import create_app
    from webapp.workflow.timer_jobs import advance_due_timers

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SMTP_HOST": "",
                      "INSTANCE_DIR": Path(tempfile.mkdtemp(prefix="sanji-bench-"))})
    with app.app_context():
        engine = app.extensions["workflow_engine"]
        engine.library  # parse the diagrams before the clock starts
        print("ready", flush=True)
        sys.stdin.readline()
        cpu_started = time.process_time()
        advanced = 0
        while limit == 0 or advanced < limit:
            batch = 1000 if limit == 0 else min(1000, limit - advanced)
            step = advance_due_timers(engine, datetime.now(timezone.utc), batch=batch)
            advanced += step
            if step == 0:
                break
        print(json.dumps({"advanced": advanced, "cpu_seconds": time.process_time() - cpu_started}), flush=True)


if __name__ == "__main__":
    main()
