"""A full cycle through every process that exists, driven through the service layer (bench/drive.py).

1. County: a generated county (2,400 teachers, 60 schools); every teacher applies for the title
   their facts suggest, the school reviews (claims, accepts or returns about one in seven), teachers
   correct, ineligible teachers withdraw. Then every school votes on its accepted applications,
   one round per call: the administrator opens it, the three committee members cast secret
   ballots, ties or a missing quorum are decided, the list goes on public notice; in one round
   of 20 someone objects and the administrator investigates (mostly dismisses), in another a
   candidate withdraws; the notice timer is fired the scheduler's way; the administrator reports
   the list. Then the county office opens the review of every call with reported lists and the
   review is driven to its result (bench/drive_review.py: materials, opinions, 30 experts'
   score sheets, approval, the notice timer), its formal candidates trained and the titles
   conferred (bench/drive_training.py: plan, attendance, scores entered in the stage steps; the
   office proposes, the leading group approves, certificates numbered). On PostgreSQL and on SQLite: completions per
   second, per action, per process and per review step; a scoring completion (one expert's
   score sheet) against a self-application step (target ≤ 1.25×). `--review-only`: just that
   run on PostgreSQL.
2. Province (PostgreSQL): a generated province (400,000 teachers); cost per completion while the
   first 1,000 teachers apply and their schools vote, then again once real runs and cloned
   applications bring the database past 100,000 instances (it must stay flat).
3. Memory: resident memory of this process — the app — after the runs (target ≤ 300 MB).

Generation runs in a child process (`flask generate-population`), so the app process measured
for memory only holds what the app itself keeps.
"""
from __future__ import annotations

import cProfile
import gc
import multiprocessing
import time

import common
from drive import WITH_TRAINING, Driver, DriveStats
from sqlalchemy import func, select, text

from webapp.extensions import db
from webapp.generator import Population
from webapp.models import HumanTask, ProcessInstance, User

# Issue 19: the county cycle on PostgreSQL, by worker processes.
TARGET_COMPLETIONS_PER_S = {1: 100, 2: 180}
TARGET_RSS_MB = 300
FLAT_LIMIT = 1.25  # cost per completion at 100,000 instances / at 1,000


def describe(stats: DriveStats) -> dict:
    """Counts, per-action timings, completions per process (the mix) and throughput of one driven run."""
    actions = sum(len(values) for values in stats.durations.values())
    return {
        "wall_s": round(stats.wall_s, 1),
        "completions": stats.completions,
        "actions": actions,
        "completions_per_s": round(stats.completions / stats.wall_s, 1),
        "actions_per_s": round(actions / stats.wall_s, 1),
        "per_action": {kind: common.summary(values) for kind, values in sorted(stats.durations.items(), key=_kind_order)},
        "completions_by_process": {process: len(values) for process, values in sorted(stats.by_process.items())},
        "complete_by_process": {process: common.summary(values) for process, values in sorted(stats.by_process.items())},
        "complete_by_step": {step: common.summary(values) for step, values in sorted(stats.by_step.items())},
        "statements_per_action": {kind: _statement_summary(values) for kind, values in sorted(stats.statements.items())},
    }


SCORING_STEP, SCORING_LIMIT = "county_review/expert_scoring", 1.25  # a score sheet vs a self-application step


def scoring_cost(result: dict) -> dict | None:
    """A scoring completion's median against the self-application steps' median (target ≤ 1.25×)."""
    scoring = result["complete_by_step"].get(SCORING_STEP)
    applying = result["complete_by_process"].get("self_application")
    if not scoring or not applying:
        return None
    ratio = round(scoring["median_ms"] / applying["median_ms"], 2)
    return {"scoring_median_ms": scoring["median_ms"], "sheets": scoring["n"],
            "self_application_median_ms": applying["median_ms"], "ratio": ratio,
            "verdict": common.verdict(ratio, SCORING_LIMIT)}


def _statement_summary(counts: list[int]) -> dict:
    """How many SQL statements one action of a kind sends: median and maximum over the run."""
    ordered = sorted(counts)
    return {"n": len(ordered), "median": ordered[len(ordered) // 2], "max": ordered[-1]}


KIND_ORDER = ("start", "claim", "complete", "abandon", "open_round", "objection", "withdraw", "timer")


def _kind_order(item) -> tuple:
    kind = item[0]
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind)


def print_figures(result: dict, indent: str = "   ") -> None:
    """Per-kind timings, then completions per process."""
    for kind, figures in result["per_action"].items():
        print(f"{indent}{kind:<10} n={figures['n']:<5} median {figures['median_ms']:7.2f} ms   p95 {figures['p95_ms']:7.2f} ms")
    for process, figures in result["complete_by_process"].items():
        print(f"{indent}complete · {process:<16} n={figures['n']:<5} median {figures['median_ms']:7.2f} ms   "
              f"p95 {figures['p95_ms']:7.2f} ms")
    print(f"{indent}SQL statements per action (median / max; COMMIT not counted):")
    for kind, figures in result.get("statements_per_action", {}).items():
        print(f"{indent}  {kind:<42} n={figures['n']:<5} {figures['median']:3} / {figures['max']}")


def county_run(database_url: str, label: str, quick: bool, workers: int = 1, prefix: str = "g") -> dict:
    """Generate a county, drive every teacher's application and every school's vote to its end, report throughput.

    With `workers` > 1 the county's schools are split among that many processes, like a server
    with that many worker processes (each drives only its own schools: their teachers'
    applications, their rounds, objections and timers).
    """
    app = common.make_app(database_url)
    generated_s = common.generate_in_subprocess(database_url, "small" if quick else "county", prefix=prefix)
    with app.app_context():
        population = Population.from_database()
        prefix_ids = set(db.session.scalars(select(User.id).where(User.username.startswith(f"{prefix}t"))))
    teachers = [teacher for teacher in population.teacher_ids if teacher in prefix_ids]
    started_load = common.load_average()
    if workers == 1:
        stats = Driver(app, population).run(teachers, processes=WITH_TRAINING)
    else:
        stats = _parallel(database_url, population, teachers, workers)
    result = describe(stats)
    result.update(teachers=len(teachers), workers=workers, generated_in_s=round(generated_s, 1),
                  load_average_at_start=started_load, load_average_at_end=common.load_average())
    print(f"\n== county on {label}, {workers} worker process(es): {result['teachers']} teachers, "
          f"{result['completions']} completions in {result['wall_s']} s → {result['completions_per_s']} completions/s "
          f"({result['actions_per_s']} actions/s incl. starts, claims, withdrawals, rounds, objections, timers)")
    print_figures(result)
    for step, figures in result["complete_by_step"].items():
        if step.startswith(("county_review/", "training/", "conferral/")):
            print(f"   complete · {step:<34} n={figures['n']:<5} median {figures['median_ms']:7.2f} ms   "
                  f"p95 {figures['p95_ms']:7.2f} ms")
    cost = result["scoring"] = scoring_cost(result)
    if cost is not None:
        print(f"   scoring completion (a score sheet) {cost['scoring_median_ms']} ms vs a self-application step "
              f"{cost['self_application_median_ms']} ms → ×{cost['ratio']} (≤ {SCORING_LIMIT}: {cost['verdict']})")
    return result


def _parallel(database_url: str, population: Population, teachers: list[int], workers: int) -> DriveStats:
    """Drive disjoint sets of schools in `workers` processes; merge their timings."""
    by_school: dict[int, list[int]] = {}
    for teacher in teachers:
        by_school.setdefault(population.teacher_school[teacher], []).append(teacher)
    shares: list[list[int]] = [[] for _ in range(workers)]
    for index, school in enumerate(sorted(by_school)):
        shares[index % workers].extend(by_school[school])
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with context.Pool(workers) as pool:
        outcomes = pool.map(_drive_share, [(database_url, population, share, seed) for seed, share in enumerate(shares)])
    merged = DriveStats(wall_s=time.perf_counter() - started)
    for durations, by_process, statements in outcomes:
        merged.merge(durations, by_process, statements)
    return merged


def _drive_share(job) -> tuple[dict, dict, dict]:
    """One worker process: its own app and connections, its own teachers and their schools' votes."""
    database_url, population, teachers, seed = job
    app = common.make_app(database_url, migrate=False)
    stats = Driver(app, population, seed=seed, subjects=teachers).run(teachers)
    return dict(stats.durations), dict(stats.by_process), dict(stats.statements)


def province_run(database_url: str, quick: bool, budget_s: float) -> dict:
    """Cost per completion while the first 1,000 instances appear, and again past 100,000.

    In between, real applications are driven for `budget_s` seconds, then clones of real
    instances top the database up to 100,000. Each window drives its teachers' applications and
    the votes (and objections) of their schools: both windows do the same mix of work. The
    schools of the last window get no clones, so that their rounds hold only the window's own
    applications, as the first window's do.
    """
    window = 20 if quick else 1_000
    target_instances = 5_000 if quick else 100_000
    app = common.make_app(database_url)
    generated_s = common.generate_in_subprocess(database_url, "small" if quick else "province")
    with app.app_context():
        # Only the teachers the windows may drive are read back: the app never holds 400,000.
        population = Population.from_database(teachers=window * 50)
    teachers = population.teacher_ids
    reserved = teachers[-window:]  # kept free of clones for the last window
    driver = Driver(app, population, seed=3)
    started = time.perf_counter()
    first = describe(driver.run(teachers[:window]))
    first["instances_in_database"] = _instances(app)
    print(f"\n== province: {len(population.school_ids)} schools generated in {generated_s:.0f} s")
    _print_window("first window", first)
    profile = profiled_run(driver, teachers[window:window + window // 2])
    print("   profile of a batch, self time by library (s):", profile["self_time_s_by_library"])
    used = window + window // 2
    while time.perf_counter() - started < budget_s and used + window < len(teachers) - window:
        driver.run(teachers[used:used + window])
        used += window
    real = _instances(app)
    cloned_s = _top_up(app, target_instances, reserved)
    cloned = _instances(app) - real
    with app.app_context():
        driver.last_task_id = db.session.scalar(select(func.max(HumanTask.id)))
    last = describe(driver.run(reserved))
    last["instances_in_database"] = _instances(app)
    _print_window("last window", last)
    ratio = round(last["per_action"]["complete"]["median_ms"] / first["per_action"]["complete"]["median_ms"], 2)
    print(f"   real instances driven: {real}, cloned: {cloned} (in {cloned_s:.0f} s); cost per completion "
          f"{first['per_action']['complete']['median_ms']} ms → {last['per_action']['complete']['median_ms']} ms "
          f"(×{ratio}, flat if ≤ {FLAT_LIMIT}: {common.verdict(ratio, FLAT_LIMIT)})")
    return {"generated_in_s": round(generated_s, 1), "schools": len(population.school_ids),
            "first_window": first, "last_window": last, "real_instances": real, "cloned_instances": cloned,
            "clone_s": round(cloned_s, 1), "completion_cost_ratio": ratio, "profile": profile,
            "flat": common.verdict(ratio, FLAT_LIMIT)}


def _print_window(label: str, result: dict) -> None:
    """One window's figures."""
    complete = result["per_action"]["complete"]
    print(f"   {label}: {result['instances_in_database']} instances in the database; completion median "
          f"{complete['median_ms']} ms, p95 {complete['p95_ms']} ms; {result['completions_per_s']} completions/s; "
          f"completions by process {result['completions_by_process']}")
    print_figures(result, indent="     ")


def _instances(app) -> int:
    """How many instances the database holds."""
    with app.app_context():
        return db.session.scalar(select(func.count(ProcessInstance.id)))


def _top_up(app, target: int, reserved: list[int]) -> float:
    """Clone real self-applications (state, tasks, history, application) onto other teachers up to `target`.

    Each clone belongs to a teacher without an application, at that teacher's school and county,
    with the school's administrator where the original had one: the tables get real rows and
    real sizes. The driver never acts on clones (their workflow data names the original).

    Only self_application instances are cloned. A vote round's instance belongs with its round,
    candidates and ballot receipts, and an objection's with its objection row and confidentiality
    flag; copying the instance alone would leave orphans that name another school's round (and a
    copied objection would lose `confidential`). So vote rounds and objections are real ones only;
    they are a small share of the instances (one round per school and call). No clone lands at a
    school of the reserved teachers: a cloned accepted application there would join the last
    window's rounds and change its mix of work.
    """
    started = time.perf_counter()
    with app.app_context():
        existing = db.session.scalar(select(func.count(ProcessInstance.id)))
        count = max(0, target - existing)
        if count == 0:
            return 0.0
        base = db.session.scalar(select(func.max(ProcessInstance.id)))
        params = {"count": count, "base": base, "reserved": reserved}
        for statement in CLONE_SQL:
            db.session.execute(text(statement), params)
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('process_instance', 'id'), (SELECT max(id) FROM process_instance))"))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return time.perf_counter() - started


CLONE_SQL = [
    """CREATE TEMP TABLE admin_map ON COMMIT DROP AS
       SELECT org_id AS school_id, min(user_id) AS user_id FROM role_assignment WHERE role = 'school_admin' GROUP BY org_id""",
    """CREATE TEMP TABLE clone_map ON COMMIT DROP AS
       WITH src AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM process_instance
                    WHERE process_id = 'self_application'),
            free AS (SELECT tp.user_id, tp.school_id, o.path, o.parent_id AS county_id,
                            row_number() OVER (ORDER BY md5(tp.user_id::text)) AS k
                     FROM teacher_profile tp JOIN organisation o ON o.id = tp.school_id
                     WHERE NOT EXISTS (SELECT 1 FROM application a WHERE a.teacher_id = tp.user_id)
                       AND tp.user_id <> ALL(:reserved)
                       AND tp.school_id NOT IN (SELECT school_id FROM teacher_profile WHERE user_id = ANY(:reserved)))
       SELECT f.k + :base AS new_id, s.id AS src_id, f.user_id AS teacher_id, f.school_id, f.path AS school_path, f.county_id
       FROM free f JOIN src s ON s.n = (f.k - 1) % (SELECT count(*) FROM src)
       WHERE f.k <= :count""",
    """INSERT INTO process_instance (id, version_id, process_id, status, subject_user_id, org_id, org_path, title,
           state_json, next_timer_dt, error_message, started_by_id, created_dt, updated_dt, completed_dt, lock_version)
       SELECT m.new_id, p.version_id, p.process_id, p.status, m.teacher_id, m.school_id, m.school_path, p.title,
           p.state_json, p.next_timer_dt, p.error_message, m.teacher_id, p.created_dt, p.updated_dt, p.completed_dt, p.lock_version
       FROM clone_map m JOIN process_instance p ON p.id = m.src_id""",
    """INSERT INTO application (instance_id, teacher_id, school_id, cycle_id, level, category, subject, status,
           submitted_dt, decided_dt, created_dt)
       SELECT m.new_id, m.teacher_id, m.school_id, c.id, a.level, a.category, a.subject, a.status,
           a.submitted_dt, a.decided_dt, a.created_dt
       FROM clone_map m JOIN application a ON a.instance_id = m.src_id
       JOIN application_cycle original ON original.id = a.cycle_id
       JOIN application_cycle c ON c.county_id = m.county_id AND c.category = a.category
            AND c.level = a.level AND c.year = original.year""",
    """INSERT INTO human_task (instance_id, process_id, bpmn_task_id, task_name, title, title_en, role, org_id,
           subject_user_id, subject_name, assignee_id, form_file, ui_form_file, instructions, instructions_en, state,
           draft_json, created_dt, due_dt, completed_dt, completed_by_id, personal)
       SELECT m.new_id, h.process_id, h.bpmn_task_id, h.task_name, h.title, h.title_en, h.role,
           CASE WHEN h.role IN ('teacher', 'school_admin', 'school_committee') THEN m.school_id ELSE m.county_id END,
           m.teacher_id, h.subject_name,
           CASE WHEN h.role = 'teacher' THEN m.teacher_id WHEN h.assignee_id IS NULL THEN NULL ELSE am.user_id END,
           h.form_file, h.ui_form_file, h.instructions, h.instructions_en, h.state, h.draft_json, h.created_dt,
           h.due_dt, h.completed_dt,
           CASE WHEN h.completed_by_id IS NULL THEN NULL WHEN h.role = 'teacher' THEN m.teacher_id ELSE am.user_id END,
           h.personal
       FROM clone_map m JOIN human_task h ON h.instance_id = m.src_id
       LEFT JOIN admin_map am ON am.school_id = m.school_id""",
    """INSERT INTO audit_event (instance_id, created_dt, actor_id, action, task_name, task_title, form_file, data, comment)
       SELECT m.new_id, e.created_dt,
           CASE WHEN e.actor_id IS NULL THEN NULL WHEN e.actor_id = p.subject_user_id THEN m.teacher_id ELSE am.user_id END,
           e.action, e.task_name, e.task_title, e.form_file, e.data, e.comment
       FROM clone_map m JOIN audit_event e ON e.instance_id = m.src_id
       JOIN process_instance p ON p.id = m.src_id
       LEFT JOIN admin_map am ON am.school_id = m.school_id""",
]


def profiled_run(driver: Driver, teachers: list[int]) -> dict:
    """Drive a batch under cProfile: where the time of the actions goes."""
    import io
    import pstats

    profiler = cProfile.Profile()
    stats = profiler.runcall(driver.run, teachers)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return {"completions": stats.completions, "wall_s_under_profiler": round(stats.wall_s, 1),
            "self_time_s_by_library": common.time_by_library(profiler),
            "top_cumulative": common.trim_profile(out.getvalue()).splitlines()}


def main() -> None:
    """County on PostgreSQL and SQLite, province on PostgreSQL, memory; save bench/results/bench_cycle.json."""
    args = common.arguments(__doc__, extra=[("--workers", dict(type=int, default=2,
                            help="also drive the PostgreSQL county with this many worker processes (default 2; 1: only one)")),
                                            ("--county-only", dict(action="store_true",
                            help="only the county on PostgreSQL (1 worker, and --workers N if given); nothing saved")),
                                            ("--skip-single", dict(action="store_true",
                            help="with --county-only and --workers N: only the run with N workers")),
                                            ("--review-only", dict(action="store_true",
                             help="only the PostgreSQL county run with its county review (nothing saved)"))])
    if args.review_only:
        server, _pg_info = common.start_bench_postgres()
        try:
            county_run(server.url, "PostgreSQL", args.quick)
        finally:
            server.stop()
        return
    load_before = common.load_average()
    results: dict = {"load_average_before": load_before}
    server, pg_info = common.start_bench_postgres()
    try:
        results["postgresql_settings"] = pg_info["settings"]
        if not (args.county_only and args.skip_single and args.workers > 1):
            results["county_postgresql"] = county_run(server.url, "PostgreSQL", args.quick)
        if args.workers > 1:
            results[f"county_postgresql_{args.workers}_workers"] = county_run(
                server.url, "PostgreSQL", args.quick, workers=args.workers, prefix="h")
        gc.collect()
        results["memory_after_county_run"] = common.rss_mb()
    finally:
        server.stop()
    throughput = {
        f"county cycle on PostgreSQL, {workers} worker(s): >= {target} completions/s":
            f'{common.verdict(results[name]["completions_per_s"], target, lower_is_better=False)} '
            f'({results[name]["completions_per_s"]}/s)'
        for workers, target in TARGET_COMPLETIONS_PER_S.items()
        for name in [("county_postgresql" if workers == 1 else f"county_postgresql_{workers}_workers")]
        if name in results
    }
    if args.county_only:
        for name, verdict in throughput.items():
            print(f"  {name}: {verdict}")
        return
    server, pg_info = common.start_bench_postgres()
    try:
        results["province_postgresql"] = province_run(server.url, args.quick, budget_s=30 if args.quick else 150)
        gc.collect()
        results["memory_after_postgresql_runs"] = common.rss_mb()
    finally:
        server.stop()
    results["county_sqlite"] = county_run(common.sqlite_url(), "SQLite", args.quick)
    gc.collect()
    memory = results["memory_at_end"] = common.rss_mb()
    results["targets"] = dict(throughput)
    results["targets"].update({
        f"cost per completion flat from 1,000 to 100,000 instances (≤ ×{FLAT_LIMIT})": results["province_postgresql"]["flat"],
        f"resident memory after the runs <= {TARGET_RSS_MB} MB": common.verdict(memory["rss_mb"], TARGET_RSS_MB),
        f"scoring completion <= {SCORING_LIMIT} × a self-application step (PostgreSQL county)":
            (results["county_postgresql"].get("scoring") or {}).get("verdict", "not measured"),
    })
    print(f"\nmemory of this app process after the runs: {memory} "
          f"(after the PostgreSQL runs: {results['memory_after_postgresql_runs']})")
    for name, verdict in results["targets"].items():
        print(f"  {name}: {verdict}")
    common.save_result("bench_cycle", results, pg_info["version"])


if __name__ == "__main__":
    main()
