"""Step overhead: one user task completed (a) by bare SpiffWorkflow, (b) by our service layer with its
commit, (c) through an HTTP POST to the app — side by side, same workflow, same state.

For every sample an instance waiting at the step is (a) deserialised from the library's own JSON,
run and serialised again, then rolled back, and (b) completed through `complete_task` and
committed; (c) posts the form of a twin instance at the same state. The order of a, b, c is
shuffled per sample so drift (other people's load on this machine) hits all three alike.
Targets: b ≤ 2 × (a + one empty commit), c ≤ 3 × (a + one empty commit).
"""
from __future__ import annotations

import io
import json
import random
import time
from datetime import date, timedelta
from uuid import UUID

import common
from drive import PDF, submit_form

from sqlalchemy import select, text

from webapp.processes.self_application.operations import start_application
from webapp.engine.serialization import SERIALIZER
from webapp.evidence.operations import store_upload
from webapp.extensions import db
from webapp.generator import PopulationSize, generate_population
from webapp.models import HumanTask, ProcessInstance, TaskState, User
from webapp.workflow.operations import complete_task

TODAY = date.today()
# Facts that pass every rule for 县级学科带头人, so every sample takes the same path.
ELIGIBLE = dict(
    birth_date=TODAY - timedelta(days=38 * 366), teaching_start_date=TODAY - timedelta(days=14 * 366),
    professional_title="intermediate", education="bachelor", subject="mathematics", open_classes_5y=5,
    papers_awarded_5y=3, research_projects_5y=1, has_it_certificate=True,
)
STEPS = ("fill_declaration", "school_review")


def declaration(evidence_id: str) -> dict:
    """The declaration form's data as the service layer receives it."""
    return {
        "subject": "mathematics",
        "statement": "十余年来坚持课堂教学改革，主持县级课题两项，指导青年教师五名。",
        "honours": ["excellent_teacher"],
        "achievements": [{"year": TODAY.year - 1, "kind": "open_class", "description": "县级数学公开课《函数的单调性》"}],
        "evidence": [evidence_id],
        "commitment": True,
    }


def declaration_post(user_id: int) -> dict:
    """The same declaration as a browser posts it (multipart, with the PDF)."""
    return {
        "subject": "mathematics",
        "statement": "十余年来坚持课堂教学改革，主持县级课题两项，指导青年教师五名。",
        "honours": ["excellent_teacher"],
        "achievements[0].year": str(TODAY.year - 1),
        "achievements[0].kind": "open_class",
        "achievements[0].description": "县级数学公开课《函数的单调性》",
        "commitment": "true",
        "evidence": (io.BytesIO(PDF + f"% certificate of {user_id}\n".encode()), "证书.pdf"),
        "_action": "submit",
    }


REVIEW = {"review_decision": "accept"}


class Setup:
    """Instances waiting at each step, with the people, files and forms to complete them."""

    def __init__(self, app, samples: int, prefix: str = "g") -> None:
        self.app = app
        self.engine = app.extensions["workflow_engine"]
        per_step = 2 * samples  # (a, b) share an instance; (c) needs a twin
        with app.test_request_context():
            population = generate_population(
                PopulationSize(cities=1, counties=1, schools=4, teachers=2 * per_step),
                prefix=prefix, assessments=True, profile=ELIGIBLE,
            )
            db.session.commit()
        teachers = population.teacher_ids
        self.school_admin = population.school_admin
        self.cycle_id = population.cycle_ids[(population.county_ids[0], "academic_leader")]
        self.evidence: dict[int, str] = {}
        self.tasks = {
            "fill_declaration": self._open(teachers[:per_step], declare=False),
            "school_review": self._open(teachers[per_step:], declare=True),
        }

    def _open(self, teacher_ids: list[int], declare: bool) -> list[tuple[int, int]]:
        """Start an application per teacher (and submit it if `declare`); return (task id, actor id)."""
        result = []
        for teacher_id in teacher_ids:
            with self.app.test_request_context():
                teacher = db.session.get(User, teacher_id)
                application = start_application(self.engine, teacher, self.cycle_id)
                self.evidence[teacher_id] = store_upload(
                    teacher, _file(PDF + f"% own file of {teacher_id}\n".encode()), {})
                task = _open_task(application.instance_id)
                if declare:
                    submit_form(self.engine, self.app.extensions["form_library"], teacher, task,
                                declaration(self.evidence[teacher_id]))
                    task = _open_task(application.instance_id)
                    actor = self.school_admin[task.org_id]
                else:
                    actor = teacher_id
                result.append((task.id, actor))
                db.session.commit()
        return result


def _file(content: bytes):
    """An upload as Werkzeug hands it to the app."""
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(content), "证书.pdf")


def _open_task(instance_id: int) -> HumanTask:
    """The instance's open human task."""
    return db.session.scalar(select(HumanTask).filter_by(instance_id=instance_id, state=TaskState.open))


def step_data(setup: Setup, step: str, actor_id: int) -> dict:
    """What the service layer completes the step with."""
    return declaration(setup.evidence[actor_id]) if step == "fill_declaration" else REVIEW


def bare_round_trip(setup: Setup, task_id: int, data: dict) -> float:
    """(a) The library alone: deserialise the instance's full JSON, run the task, engine steps, serialise."""
    with setup.app.test_request_context():
        task = db.session.get(HumanTask, task_id)
        instance = db.session.get(ProcessInstance, task.instance_id)
        full_json = json.dumps({**json.loads(instance.state_json), **json.loads(instance.version.spec_json)})
        started = time.perf_counter()
        workflow = SERIALIZER.deserialize_json(full_json)
        workflow.script_engine = setup.engine.script_engine  # the diagram's service tasks and DMN need ours
        spiff_task = workflow.get_task_from_id(UUID(task.bpmn_task_id))
        spiff_task.task_spec.add_data_from_form(spiff_task, data)
        spiff_task.run()
        workflow.do_engine_steps()
        SERIALIZER.serialize_json(workflow)
        elapsed = time.perf_counter() - started
        db.session.rollback()  # the handlers' row updates
    return elapsed


def service_complete(setup: Setup, task_id: int, actor_id: int, data: dict) -> float:
    """(b) `complete_task(engine, user, task, …)` and the commit.

    The user (with roles) and the task row are its arguments: they are loaded before the clock
    starts, as the request's login and route load them before the operation runs (that is in (c)).
    """
    form_keys = tuple(data)
    with setup.app.test_request_context():
        task = db.session.get(HumanTask, task_id)
        user = db.session.get(User, actor_id)
        user.role_scopes()
        started = time.perf_counter()
        complete_task(setup.engine, user, task, data, form_keys)
        db.session.commit()
        elapsed = time.perf_counter() - started
        assert db.session.get(HumanTask, task_id).state is TaskState.completed
    return elapsed


def http_complete(setup: Setup, step: str, task_id: int, actor_id: int) -> float:
    """(c) POST the task's form as a logged-in browser would; the server's time for the request."""
    client = setup.app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(actor_id)
        session["_fresh"] = True
    if step == "fill_declaration":
        post = dict(data=declaration_post(actor_id), content_type="multipart/form-data")
    else:
        post = dict(data=REVIEW)
    started = time.perf_counter()
    response = client.post(f"/tasks/{task_id}", **post)
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return elapsed


def empty_commits(app, count: int) -> list[float]:
    """The reference: a transaction doing nothing but SELECT 1 and COMMIT, in a fresh app context."""
    samples = []
    for _ in range(count):
        with app.app_context():
            started = time.perf_counter()
            db.session.execute(text("SELECT 1"))
            db.session.commit()
            samples.append(time.perf_counter() - started)
    return samples


def measure(app, samples: int, warmup: int) -> dict:
    """Every step: a, b, c interleaved per sample; the empty-commit reference; ratios and verdicts."""
    setup = Setup(app, samples + warmup)
    rng = random.Random(5)
    results = {}
    for step in STEPS:
        timings = {"a": [], "b": [], "c": []}
        tasks = setup.tasks[step]
        half = len(tasks) // 2
        for index in range(half):
            (task_id, actor_id), (twin_id, twin_actor) = tasks[index], tasks[half + index]
            data = step_data(setup, step, actor_id)
            kinds = ["ab", "c"]
            rng.shuffle(kinds)
            for kind in kinds:
                if kind == "ab":
                    a = bare_round_trip(setup, task_id, data)  # (a) must run before (b) consumes the state
                    b = service_complete(setup, task_id, actor_id, data)
                    if index >= warmup:
                        timings["a"].append(a)
                        timings["b"].append(b)
                else:
                    c = http_complete(setup, step, twin_id, twin_actor)
                    if index >= warmup:
                        timings["c"].append(c)
        commits = empty_commits(app, len(timings["a"]))
        results[step] = _compare(timings, commits)
    return results


def _compare(timings: dict[str, list[float]], commits: list[float]) -> dict:
    """Summaries, ratios against the engine and verdicts against the targets."""
    stats = {kind: common.summary(values) for kind, values in timings.items()}
    stats["empty_commit"] = common.summary(commits)
    a, commit = stats["a"]["median_ms"], stats["empty_commit"]["median_ms"]
    reference = a + commit
    stats["ratios"] = {
        "b_over_a": round(stats["b"]["median_ms"] / a, 2),
        "c_over_a": round(stats["c"]["median_ms"] / a, 2),
        "b_over_a_plus_commit": round(stats["b"]["median_ms"] / reference, 2),
        "c_over_a_plus_commit": round(stats["c"]["median_ms"] / reference, 2),
        "p95_b_over_a_plus_commit": round(stats["b"]["p95_ms"] / (stats["a"]["p95_ms"] + stats["empty_commit"]["p95_ms"]), 2),
        "p95_c_over_a_plus_commit": round(stats["c"]["p95_ms"] / (stats["a"]["p95_ms"] + stats["empty_commit"]["p95_ms"]), 2),
    }
    stats["targets"] = {
        "b <= 2 x (a + commit)": common.verdict(stats["ratios"]["b_over_a_plus_commit"], 2.0),
        "c <= 3 x (a + commit)": common.verdict(stats["ratios"]["c_over_a_plus_commit"], 3.0),
    }
    return stats


def profile_service_layer(app, count: int) -> dict:
    """Where (b)'s time goes: cProfile over extra service-layer completions of the review step."""
    setup = Setup(app, count // 2 + 1, prefix="profile")
    tasks = setup.tasks["school_review"][:count]
    import cProfile

    profiler = cProfile.Profile()
    for task_id, actor_id in tasks:
        profiler.runcall(service_complete, setup, task_id, actor_id, REVIEW)
    return {"completions": len(tasks), "self_time_s_by_library": common.time_by_library(profiler)}


def report(database: str, results: dict) -> None:
    """Print the figures of one database."""
    print(f"\n== {database}")
    for step, stats in results.items():
        print(f"  step {step}:")
        for kind, label in (("a", "(a) bare SpiffWorkflow round trip"), ("b", "(b) service layer + commit"),
                            ("c", "(c) HTTP POST (Flask test client)"), ("empty_commit", "    empty commit (SELECT 1; COMMIT)")):
            print(f"    {label:<38} median {stats[kind]['median_ms']:7.2f} ms   p95 {stats[kind]['p95_ms']:7.2f} ms")
        ratios = stats["ratios"]
        print(f"    b/a = {ratios['b_over_a']}, c/a = {ratios['c_over_a']}; "
              f"b/(a+commit) = {ratios['b_over_a_plus_commit']} (target ≤ 2: {stats['targets']['b <= 2 x (a + commit)']}), "
              f"c/(a+commit) = {ratios['c_over_a_plus_commit']} (target ≤ 3: {stats['targets']['c <= 3 x (a + commit)']})")


def main() -> None:
    """Run on PostgreSQL (durable settings) and on SQLite; save bench/results/bench_step_overhead.json."""
    args = common.arguments(__doc__)
    samples, warmup = (20, 3) if args.quick else (150, 10)
    load_before = common.load_average()
    server, pg_info = common.start_bench_postgres()
    try:
        pg_app = common.make_app(server.url)
        postgres = measure(pg_app, samples, warmup)
        report("PostgreSQL", postgres)
        profile = profile_service_layer(pg_app, 20 if args.quick else 60)
        print("  (b) self time by library, review step on PostgreSQL:", profile["self_time_s_by_library"])
    finally:
        server.stop()
    sqlite = measure(common.make_app(common.sqlite_url()), samples, warmup)
    report("SQLite", sqlite)
    common.save_result("bench_step_overhead", {
        "samples_per_kind": samples, "warmup": warmup, "load_average_before": load_before,
        "postgresql_settings": pg_info["settings"],
        "notes": "(a) uses the app's sandboxed script engine because the diagram's service tasks and DMN need it; "
                 "the handlers' database reads/writes run inside (a) and are rolled back. (b) = complete_task + commit, "
                 "its arguments (user with roles, task row) loaded before the clock starts. (c) = the whole request: session, permission checks, form parsing and "
                 "validation, file upload, complete_task, evidence links, commit, redirect.",
        "postgresql": postgres, "sqlite": sqlite, "profile_b_postgresql": profile,
    }, pg_info["version"])


if __name__ == "__main__":
    main()
