"""Inbox at scale: 1,000,000 human-task rows over 100,000 instances (200,000 open) across a generated
province (16 cities, 130 counties, 10,000 schools, 400,000 teachers) on PostgreSQL.

Measures, for the busiest teacher, school administrator and county officer: the inbox page's
queries (`inbox_page` + `step_choices`), the navigation counts (`inbox_counts`), and the whole
`GET /inbox` request (which renders the page and the counts). Target: p95 ≤ 30 ms each. The
EXPLAIN (ANALYZE, BUFFERS) plan of every inbox query is printed and saved.

The task rows are synthetic but shaped like real ones: each instance has a history of completed
or cancelled steps and 0-5 open ones, over the processes that exist and those on their way (school
vote, county review, annual review), each step in the lane of its role at the right organisation.
"""
from __future__ import annotations

import random
import time
from datetime import timedelta

import common
from sqlalchemy import event, func, select, text

from webapp.extensions import db
from webapp.generator import PROVINCE, PopulationSize, bulk_insert, generate_population, reset_sequence
from webapp.models import HumanTask, InstanceStatus, ProcessInstance, TaskState, User, utcnow
from webapp.roles import Role
from webapp.workflow.queries import InboxFilter, inbox_counts, inbox_page, step_choices

# (process, step, title, role, relative weight among open steps)
STEPS = [
    ("self_application", "fill_declaration", "填写申报表", Role.teacher, 10),
    ("self_application", "correct_application", "修改并重新提交申报", Role.teacher, 3),
    ("self_application", "school_review", "学校审核申报", Role.school_admin, 12),
    ("school_vote", "committee_vote", "评议投票", Role.school_committee, 14),
    ("school_vote", "publish_notice", "发布公示", Role.school_admin, 5),
    ("county_review", "check_materials", "县级材料审核", Role.county_office, 6),
    ("county_review", "expert_score", "专家评分", Role.expert, 6),
    ("annual_review", "submit_duties", "提交年度履职材料", Role.teacher, 20),
    ("annual_review", "school_confirm", "学校确认年度考核", Role.school_admin, 16),
    ("annual_review", "county_confirm", "县级确认年度考核", Role.county_office, 8),
]
SCHOOL_ROLES = {Role.teacher, Role.school_committee, Role.school_admin}


def synthesise(population, instances: int, tasks: int, open_tasks: int, seed: int = 11) -> dict:
    """Insert `instances` instances with `tasks` human-task rows, `open_tasks` of them open."""
    rng = random.Random(seed)
    engine_version = _version_id()
    now = utcnow()
    open_counts = _spread_exactly(rng, instances, open_tasks, choices=(0, 0, 1, 2, 2, 3, 3, 4, 5))
    weights = [step[4] for step in STEPS]
    holders = _role_holders()
    instance_rows, task_rows = [], []
    first_instance = (db.session.scalar(select(func.max(ProcessInstance.id))) or 0) + 1
    first_task = (db.session.scalar(select(func.max(HumanTask.id))) or 0) + 1
    per_instance = tasks // instances
    schools = {teacher: school for teacher, school in population.teacher_school.items()}
    paths = dict(db.session.execute(text("SELECT id, path FROM organisation WHERE kind = 'school'")).all())
    teachers = population.teacher_ids
    for index in range(instances):
        instance_id = first_instance + index
        teacher = rng.choice(teachers)
        school = schools[teacher]
        county = population.school_county[school]
        started = now - timedelta(days=rng.uniform(1, 120))
        running = open_counts[index] > 0
        instance_rows.append(dict(
            id=instance_id, version_id=engine_version, process_id=STEPS[index % len(STEPS)][0],
            status=InstanceStatus.running if running else InstanceStatus.completed, subject_user_id=teacher,
            org_id=school, org_path=paths[school], title=f"教师{teacher} · 县级骨干教师", state_json="{}",
            next_timer_dt=None, error_message=None, started_by_id=teacher, created_dt=started, updated_dt=started,
            completed_dt=None if running else started + timedelta(days=20), lock_version=1,
        ))
        for position in range(per_instance):
            is_open = position >= per_instance - open_counts[index]
            process, step, title, role, _weight = rng.choices(STEPS, weights)[0]
            org = school if role in SCHOOL_ROLES else county
            created = started + timedelta(hours=position * rng.uniform(2, 30))
            assignee = teacher if role is Role.teacher else (holders.get((role, org)) if rng.random() < 0.3 else None)
            task_rows.append(dict(
                id=first_task + len(task_rows), instance_id=instance_id, process_id=process,
                bpmn_task_id=f"{instance_id:08d}-0000-4000-8000-{position:012d}", task_name=step, title=title,
                title_en=None, role=role, org_id=org, subject_user_id=teacher, subject_name=f"教师{teacher}",
                assignee_id=assignee, personal=role is Role.teacher, form_file=None, ui_form_file=None, instructions=None, instructions_en=None,
                state=TaskState.open if is_open else (TaskState.completed if rng.random() < 0.9 else TaskState.cancelled),
                draft_json=None, created_dt=created, due_dt=created + timedelta(days=rng.choice((3, 5, 10))),
                completed_dt=None if is_open else created + timedelta(hours=rng.uniform(1, 48)),
                completed_by_id=None if is_open else (assignee or holders.get((role, org))),
            ))
    bulk_insert(ProcessInstance.__table__, instance_rows)
    bulk_insert(HumanTask.__table__, task_rows)
    reset_sequence(ProcessInstance.__table__)
    reset_sequence(HumanTask.__table__)
    return {"instances": len(instance_rows), "tasks": len(task_rows), "open": sum(open_counts)}


def _version_id() -> int:
    """The self-application's version row (the instances' spec is never loaded by an inbox)."""
    from flask import current_app

    return current_app.extensions["workflow_engine"].current_version("self_application").id


def _role_holders() -> dict:
    """(role, organisation) → one user holding it."""
    from webapp.models import RoleAssignment

    return {(row.role, row.org_id): row.user_id for row in db.session.scalars(select(RoleAssignment))}


def _spread_exactly(rng: random.Random, buckets: int, total: int, choices: tuple[int, ...]) -> list[int]:
    """Per-bucket counts drawn from `choices`, then nudged so they add up to `total` exactly."""
    counts = [rng.choice(choices) for _ in range(buckets)]
    top = max(choices)
    difference = total - sum(counts)
    while difference:
        index = rng.randrange(buckets)
        if difference > 0 and counts[index] < top:
            counts[index] += 1
            difference -= 1
        elif difference < 0 and counts[index] > 0:
            counts[index] -= 1
            difference += 1
    return counts


def busiest(role: Role) -> int:
    """The user of `role` with the most open tasks in their inbox (assigned or in their queue)."""
    from webapp.models import RoleAssignment

    if role is Role.teacher:
        query = (select(HumanTask.assignee_id).where(HumanTask.state == TaskState.open, HumanTask.role == Role.teacher)
                 .group_by(HumanTask.assignee_id).order_by(func.count().desc()).limit(1))
        return db.session.scalar(query)
    org = db.session.scalar(
        select(HumanTask.org_id).where(HumanTask.state == TaskState.open, HumanTask.role == role)
        .group_by(HumanTask.org_id).order_by(func.count().desc()).limit(1)
    )
    return db.session.scalar(select(RoleAssignment.user_id).filter_by(role=role, org_id=org))


def time_user(app, user_id: int, samples: int) -> dict:
    """Timings of the inbox queries, the counts and the whole GET /inbox for one user."""
    page_size = app.config["INBOX_PAGE_SIZE"]
    timings = {"inbox_page_queries": [], "nav_counts": [], "http_get_inbox": []}
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    for _ in range(samples):
        with app.test_request_context():
            user = db.session.get(User, user_id)
            user.role_scopes()  # load roles outside the timing, as the request's login did
            with common.stopwatch(timings["inbox_page_queries"]):
                rows, total = inbox_page(user, InboxFilter(), 1, page_size)
                step_choices(user)
            with common.stopwatch(timings["nav_counts"]):
                counts = inbox_counts(user)
        with common.stopwatch(timings["http_get_inbox"]):
            response = client.get("/inbox")
        assert response.status_code == 200
    return {"open_in_inbox": total, "counts": counts, "page_rows": len(rows),
            **{name: common.summary(values) for name, values in timings.items()}}


def explain(app, user_id: int) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement the inbox page and the counts run."""
    captured = []
    with app.test_request_context():
        user = db.session.get(User, user_id)
        user.role_scopes()

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            captured.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            inbox_page(user, InboxFilter(), 1, app.config["INBOX_PAGE_SIZE"])
            step_choices(user)
            inbox_counts(user)
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        plans = []
        cursor = db.session.connection().connection.driver_connection.cursor()
        for statement, parameters in captured:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append({"sql": " ".join(statement.split()), "plan": plan,
                          "seq_scan_on_human_task": "Seq Scan on human_task" in plan,
                          "uses_index": "Index" in plan})
        db.session.rollback()
    return plans


def main() -> None:
    """Generate, synthesise, measure, explain, save bench/results/bench_inbox.json."""
    args = common.arguments(__doc__)
    size = PopulationSize(cities=2, counties=4, schools=200, teachers=8_000) if args.quick else PROVINCE
    instances, tasks, open_tasks = (5_000, 50_000, 10_000) if args.quick else (100_000, 1_000_000, 200_000)
    samples = 30 if args.quick else 200
    load_before = common.load_average()
    server, pg_info = common.start_bench_postgres()
    try:
        app = common.make_app(server.url)
        with app.app_context():
            started = time.perf_counter()
            population = generate_population(size, assessments=False)
            db.session.commit()
            generated_s = time.perf_counter() - started
            print(f"generated {len(population.school_ids)} schools, {len(population.teacher_ids)} teachers in {generated_s:.1f} s")
            started = time.perf_counter()
            shape = synthesise(population, instances, tasks, open_tasks)
            db.session.commit()
            synthesised_s = time.perf_counter() - started
            print(f"inserted {shape} in {synthesised_s:.1f} s")
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            personas = {"teacher": busiest(Role.teacher), "school_admin": busiest(Role.school_admin),
                        "county_office": busiest(Role.county_office)}
        results, plans = {}, {}
        for persona, user_id in personas.items():
            time_user(app, user_id, 5)  # warm caches and prepared statements
            results[persona] = time_user(app, user_id, samples)
            plans[persona] = explain(app, user_id)
            _print_persona(persona, results[persona], plans[persona])
        targets = {
            f"{persona} {measure} p95 <= 30 ms": common.verdict(results[persona][measure]["p95_ms"], 30.0)
            for persona in results for measure in ("inbox_page_queries", "nav_counts", "http_get_inbox")
        }
        for name, verdict in targets.items():
            print(f"  {name}: {verdict}")
        common.save_result("bench_inbox", {
            "load_average_before": load_before, "postgresql_settings": pg_info["settings"],
            "population": {"cities": len(population.city_ids), "counties": len(population.county_ids),
                           "schools": len(population.school_ids), "teachers": len(population.teacher_ids),
                           "generated_in_s": round(generated_s, 1)},
            "rows": {**shape, "inserted_in_s": round(synthesised_s, 1)},
            "samples": samples, "personas": personas, "results": results, "targets": targets, "explain": plans,
        }, pg_info["version"])
    finally:
        server.stop()


def _print_persona(persona: str, result: dict, plans: list[dict]) -> None:
    """Print one persona's figures and plans."""
    print(f"\n== {persona}: {result['open_in_inbox']} open tasks in the inbox, counts {result['counts']}")
    for measure in ("inbox_page_queries", "nav_counts", "http_get_inbox"):
        print(f"   {measure:<20} median {result[measure]['median_ms']:7.2f} ms   p95 {result[measure]['p95_ms']:7.2f} ms")
    for item in plans:
        print(f"   -- {item['sql'][:160]}…")
        print("      " + item["plan"].replace("\n", "\n      "))


if __name__ == "__main__":
    main()
