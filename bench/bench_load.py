"""Load: 200 concurrent browser sessions against gunicorn with 2 workers on PostgreSQL, for 60 s.

The deployment shape of the README (`gunicorn -c gunicorn.conf.py`, WEB_CONCURRENCY=2, CSRF on,
login throttling on) serves a generated county (2,400 teachers, 60 schools) on the throwaway,
durable PostgreSQL. The client (`load_client.py`, threads on loopback) plays:

- one session per school administrator (60): open the inbox; if a school review waits, open its
  task page and accept the application (a completion); otherwise think and look again;
- the other sessions (140) are teachers at the computer one after another: log in, open the inbox,
  start an application in the call their profile fits, open the declaration page, submit it with a
  PDF (a completion), look at the inbox again, then the next teacher of that session logs in.

Between two page views each person thinks for a random time (`--think`, default 2-8 s): people
read and type. Every session is already logged in: its session cookie is signed here with the
app's secret key, as a login would set it, so the measured window holds the work of logged-in
people and not 2,400 password checks (scrypt, ~0.1-0.3 s of CPU each); a sample of real logins is
timed separately before the window. Printed and saved: p50 and p95 per kind of request, errors
(any unexpected status or failed request), completions per second.
Target: 0 errors, inbox p95 < 300 ms.
"""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import common
from load_client import USER_AGENT, Recorder, RequestFailed, Session

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "demo1234"
LOGIN_SAMPLE = 10  # real logins timed before the window


def main() -> None:
    """Set up, serve, load, report."""
    args = common.arguments(__doc__, [
        ("--sessions", {"type": int, "default": 200}),
        ("--seconds", {"type": float, "default": 60.0}),
        ("--think", {"default": "5,15", "help": "think time between page views, seconds: MIN,MAX"}),
    ])
    sessions, seconds = (40, 10.0) if args.quick else (args.sessions, args.seconds)
    think = tuple(float(x) for x in args.think.split(","))
    server, database = common.start_bench_postgres("sanji_load")
    try:
        common.make_app(server.url)  # migrations
        common.generate_in_subprocess(server.url, "county")
        admins, teachers, cookies = plan_people(server.url)
        result = run_load(server.url, admins, teachers, cookies, sessions, seconds, think)
    finally:
        server.stop()
    report(result, sessions, seconds, think, database)


def plan_people(database_url: str) -> tuple[list[str], list[tuple[str, int]], dict[str, str]]:
    """School administrators, every teacher with the call their profile fits, and their session cookies."""
    from drive import choose_category
    from flask_login.utils import _create_identifier
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import ApplicationCycle, User
    from webapp.roles import Role

    app = common.make_app(database_url, migrate=False)  # the same SECRET_KEY as the served app
    with app.app_context():
        cycles = {c.category: c.id for c in db.session.scalars(select(ApplicationCycle))}
        users = db.session.scalars(select(User).order_by(User.username)).all()
        admins = [u.username for u in users if any(r.role is Role.school_admin for r in u.roles)]
        teachers = [(u.username, cycles[choose_category(u.profile)]) for u in users if u.profile is not None]
        ids = {u.username: u.id for u in users}
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": USER_AGENT}):
        identifier = _create_identifier()
    serializer = app.session_interface.get_signing_serializer(app)
    # What login_user() and `session.permanent = True` leave in the session.
    cookies = {name: serializer.dumps({"_user_id": str(user_id), "_fresh": True, "_id": identifier, "_permanent": True})
               for name, user_id in ids.items()}
    random.Random(5).shuffle(teachers)
    return admins, teachers, cookies


def run_load(database_url, admins, teachers, cookies, sessions, seconds, think) -> dict:
    """Start gunicorn, time a sample of real logins, measure `seconds` of load, stop gunicorn."""
    port, instance = _free_port(), Path(tempfile.mkdtemp(prefix="sanji-load-"))
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret", "INSTANCE_DIR": str(instance),
           "WEB_CONCURRENCY": "2", "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": ""}
    log = (instance / "gunicorn.log").open("w")
    gunicorn = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
                                cwd=common.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, gunicorn)
        logins = Recorder()
        logins.measuring = True
        for username in admins[:LOGIN_SAMPLE]:
            Session(base, logins).login(username, PASSWORD)
        recorder = Recorder()
        stop = threading.Event()
        admin_count = min(len(admins), sessions * 3 // 10)
        teacher_sessions = sessions - admin_count
        per_session = [teachers[i::teacher_sessions] for i in range(teacher_sessions)]
        workers = [Person(base, recorder, stop, think, seed, cookies) for seed in range(sessions)]
        jobs = [(workers[i].administrate, admins[i]) for i in range(admin_count)]
        jobs += [(workers[admin_count + i].teach, per_session[i]) for i in range(teacher_sessions)]
        ready = threading.Barrier(sessions + 1)
        threads = [threading.Thread(target=job, args=(arg, ready), daemon=True) for job, arg in jobs]
        print(f"starting {sessions} sessions ({admin_count} school administrators, {teacher_sessions} teachers) ...")
        for thread in threads:
            thread.start()
        ready.wait(timeout=600)
        print(f"measuring {seconds:.0f} s ...")
        load_before = common.load_average()
        recorder.measuring = True
        started = time.perf_counter()
        time.sleep(seconds)
        recorder.measuring = False
        elapsed = time.perf_counter() - started
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        return {"recorder": recorder, "logins": logins, "elapsed": elapsed, "load_before": load_before,
                "admin_sessions": admin_count, "teacher_sessions": teacher_sessions,
                "gunicorn_log_tail": (instance / "gunicorn.log").read_text()[-2000:]}
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(gunicorn.pid, signal.SIGKILL)
        log.close()


class Person:
    """One session's behaviour; every request is timed by the shared recorder."""

    def __init__(self, base, recorder, stop, think, seed, cookies) -> None:
        self.base, self.recorder, self.stop, self.think, self.cookies = base, recorder, stop, think, cookies
        self.rng = random.Random(seed)

    def pause(self) -> None:
        """Think before the next page view (returns early when the run ends)."""
        self.stop.wait(self.rng.uniform(*self.think))

    def start(self, ready) -> None:
        """Wait for everyone, then start at a random moment of the first think time."""
        ready.wait()
        self.stop.wait(self.rng.uniform(0, self.think[1]))

    def administrate(self, username: str, ready) -> None:
        """Review the school's applications as they come in."""
        session = Session(self.base, self.recorder, self.cookies[username])
        self.start(ready)
        while not self.stop.is_set():
            try:
                reviews = [task for task, title in session.inbox_tasks() if title.startswith("学校审核")]
                self.pause()
                if reviews and not self.stop.is_set():
                    session.request("task_page", f"/tasks/{reviews[0]}")
                    self.pause()
                    if not self.stop.is_set():
                        session.post_multipart("complete", f"/tasks/{reviews[0]}",
                                               {"review_decision": "accept", "_action": "submit"}, {})
                        self.recorder.count("completions")
                        self.recorder.count("reviews")
                        self.pause()
            except RequestFailed:
                self.pause()

    def teach(self, queue: list[tuple[str, int]], ready) -> None:
        """Teachers of this session apply one after another."""
        for index, (username, cycle_id) in enumerate(queue):
            if self.stop.is_set():
                break
            if index == 0:
                self.start(ready)
            session = Session(self.base, self.recorder, self.cookies[username])  # the next teacher
            try:
                self.apply(session, username, cycle_id)
            except RequestFailed:
                self.pause()

    def apply(self, session: Session, username: str, cycle_id: int) -> None:
        """Inbox, start, declaration page, submit, inbox: one teacher's application."""
        session.inbox_tasks()
        self.pause()
        if self.stop.is_set():
            return
        _, headers, _ = session.post_form("start", "/applications/", {"cycle_id": cycle_id})
        task_path = urllib.parse.urlparse(headers["Location"]).path
        session.request("task_page", task_path)
        self.pause()
        if self.stop.is_set():
            return
        fields = {"subject": "mathematics", "statement": "十余年来坚持课堂教学改革，主持县级课题两项，指导青年教师五名。",
                  "honours": ["excellent_teacher"], "achievements[0].year": "2024", "achievements[0].kind": "open_class",
                  "achievements[0].description": "县级数学公开课《函数的单调性》", "commitment": "true", "_action": "submit"}
        scan = PDF + f"% certificate of {username}\n".encode()
        session.post_multipart("complete", task_path, fields, {"evidence": ("证书.pdf", scan)})
        self.recorder.count("completions")
        self.recorder.count("declarations")
        self.pause()
        if not self.stop.is_set():
            session.inbox_tasks()
            self.pause()


def report(result: dict, sessions: int, seconds: float, think, database: dict) -> None:
    """Print the figures and save bench/results/bench_load.json."""
    recorder, elapsed = result["recorder"], result["elapsed"]
    by_kind = {kind: common.summary(samples) for kind, samples in sorted(recorder.timings.items())}
    errors = {kind: len(found) for kind, found in recorder.errors.items()}
    completions = recorder.counts.get("completions", 0)
    inbox_p95 = by_kind.get("inbox", {}).get("p95_ms", float("inf"))
    print(f"\n{sessions} sessions, {elapsed:.1f} s measured, think time {think[0]:g}-{think[1]:g} s, gunicorn 2 workers")
    print(f"{'request':<12}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'errors':>8}")
    for kind, figures in by_kind.items():
        print(f"{kind:<12}{figures['n']:>7}{figures['median_ms']:>10.1f}{figures['p95_ms']:>10.1f}"
              f"{figures['max_ms']:>10.1f}{errors.get(kind, 0):>8}")
    total_errors = sum(errors.values())
    rate = completions / elapsed
    requests = sum(f["n"] for f in by_kind.values()) / elapsed
    login = common.summary(result["logins"].timings["login"])
    print(f"real logins before the window (password check included): p50 {login['median_ms']:.0f} ms, "
          f"p95 {login['p95_ms']:.0f} ms (n={login['n']})")
    print(f"completions: {completions} ({rate:.2f}/s: {recorder.counts.get('declarations', 0)} declarations, "
          f"{recorder.counts.get('reviews', 0)} reviews); requests {requests:.1f}/s")
    print(f"errors: {total_errors} (target 0: {common.verdict(total_errors, 0)}); "
          f"inbox p95 {inbox_p95:.1f} ms (target < 300 ms: {common.verdict(inbox_p95, 300)})")
    for kind, found in recorder.errors.items():
        print(f"  {kind}: {found[:3]}")
    common.save_result("bench_load", {
        "sessions": sessions, "admin_sessions": result["admin_sessions"], "teacher_sessions": result["teacher_sessions"],
        "seconds": round(elapsed, 1), "think_seconds": list(think), "gunicorn_workers": 2,
        "requests": by_kind, "errors": errors, "login_sample": login, "error_examples": {k: v[:5] for k, v in recorder.errors.items()},
        "completions": completions, "completions_per_s": round(rate, 2), "requests_per_s": round(requests, 1),
        "declarations": recorder.counts.get("declarations", 0), "reviews": recorder.counts.get("reviews", 0),
        "targets": {"errors": {"value": total_errors, "target": 0, "verdict": common.verdict(total_errors, 0)},
                    "inbox_p95_ms": {"value": inbox_p95, "target": 300, "verdict": common.verdict(inbox_p95, 300)}},
        "load_average_before": result["load_before"],
    }, database["version"])


def _free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(base: str, process: subprocess.Popen, limit: float = 60) -> None:
    """Wait until gunicorn answers (bounded)."""
    deadline = time.monotonic() + limit
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)


if __name__ == "__main__":
    main()
