"""The deployment shape: gunicorn with two workers (gunicorn.conf.py) plus the `flask scheduler` process."""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
START_SECONDS = 60  # bounds: the server must answer within this, each request within REQUEST_SECONDS
REQUEST_SECONDS = 15


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def deployment_env(database_url: str, instance: Path) -> dict:
    """The environment a deployment sets (README, Configuration)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "WERKZEUG_"))}
    env.update(DATABASE_URL=database_url, SECRET_KEY="deployment-test-secret", INSTANCE_DIR=str(instance),
               EVIDENCE_DIR=str(instance / "evidence"), GUNICORN_ACCESS_LOG="", SMTP_HOST="")
    return env


def child_processes(pid: int) -> list[int]:
    """Ids of the processes whose parent is `pid` (read from /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


class Browser:
    """A cookie-keeping HTTP client that reads the CSRF token from forms, like a person's browser."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, path: str, form: dict | None = None):
        """GET, or POST the form; returns (status, headers, text). Redirects are not followed."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=REQUEST_SECONDS) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def login(self, username: str, password: str):
        """Fill in the login form (with its CSRF token)."""
        status, _, page = self.request("/login")
        assert status == 200, page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self.request("/login", {"csrf_token": token, "username": username, "password": password})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def gunicorn_server(database_url, demo, tmp_path):
    """gunicorn -c gunicorn.conf.py with 2 workers on a free loopback port; stopped afterwards."""
    port = free_port()
    env = deployment_env(database_url, tmp_path) | {"WEB_CONCURRENCY": "2", "GUNICORN_BIND": f"127.0.0.1:{port}"}
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen([str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start: {(tmp_path / 'gunicorn.log').read_text()[-3000:]}")
            time.sleep(0.3)
    yield base, process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    log.close()


def test_gunicorn_workers_serve_the_app(gunicorn_server, tmp_path):
    base, process = gunicorn_server
    assert len(child_processes(process.pid)) == 2  # the two workers under gunicorn's arbiter
    browser = Browser(base)
    status, headers, _ = browser.login("s1admin", "demo1234")
    assert status == 302 and headers["Location"].endswith("/inbox")
    status, headers, page = browser.request("/inbox")
    assert status == 200
    assert 'id="nav-inbox"' in page and "汉阴县第一中学" in page
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert browser.request("/static/app.js")[0] == 200


def test_login_limits_hold_across_workers(gunicorn_server):
    """Each attempt on a new connection, so both workers take some: the count is shared (appdb://)."""
    base, _ = gunicorn_server
    statuses = [Browser(base).login("t001", "wrong")[0] for _ in range(10)]
    assert statuses == [401] * 10
    status, headers, _ = Browser(base).login("t001", "demo1234")
    assert status == 429 and int(headers["Retry-After"]) > 0


def test_scheduler_runs_as_its_own_process(database_url, demo, tmp_path):
    """`flask scheduler --once` against the same database: every job runs and reports."""
    result = subprocess.run([str(BIN / "flask"), "--app", "webapp:create_app", "scheduler", "--once"], cwd=ROOT,
                            env=deployment_env(database_url, tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    for job in ("advance_timers", "scan_reminders", "deliver_notifications"):
        assert re.search(rf"^{job}: ", result.stdout, re.M), result.stdout
