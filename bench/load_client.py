"""The load benchmark's client: one person's browser session over plain HTTP on loopback.

Standard library only (urllib, threads): a session keeps its cookies, reads the CSRF token from a
page as a browser would, posts forms (multipart with a file for the declaration), and records
every request's wall time under its kind. Redirects are not followed: a completion answers 302.
"""
from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

REQUEST_TIMEOUT = 30
USER_AGENT = "sanji-load-bench"  # fixed: Flask-Login's session protection hashes it with the address
TASK_ROW = re.compile(r'data-task-id="(\d+)">\s*<td><a href="/tasks/\d+">([^<]+)</a>')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Recorder:
    """Timings and errors of every session, shared between the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}
        self.counts: dict[str, int] = {}
        self.measuring = False

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        """Keep one request's outcome, if it started inside the measured window."""
        if not self.measuring:
            return
        with self.lock:
            self.timings.setdefault(kind, []).append(seconds)
            if error:
                self.errors.setdefault(kind, []).append(error)

    def count(self, what: str) -> None:
        """Count an event (a completion) inside the measured window."""
        if self.measuring:
            with self.lock:
                self.counts[what] = self.counts.get(what, 0) + 1


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    """One browser: cookies, the CSRF token, timed requests."""

    def __init__(self, base: str, recorder: Recorder, session_cookie: str | None = None) -> None:
        """`session_cookie`: a signed session of a logged-in user (see bench_load.mint_sessions)."""
        self.base = base
        self.recorder = recorder
        self.csrf = ""
        jar = http.cookiejar.CookieJar()
        if session_cookie:
            host = urllib.parse.urlsplit(base).hostname
            jar.set_cookie(http.cookiejar.Cookie(
                0, "session", session_cookie, None, False, host, False, False, "/", True, False, None, True,
                None, None, {}))
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())

    def request(self, kind: str, path: str, body: bytes | None = None, content_type: str | None = None,
                expect: tuple[int, ...] = (200,)) -> tuple[int, dict, str]:
        """Send one request, time it and check its status; returns (status, headers, text)."""
        headers = {"User-Agent": USER_AGENT, **({"Content-Type": content_type} if content_type else {})}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        started = time.perf_counter()
        error = None
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                status, response_headers, text = response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as failure:
            status, response_headers, text = failure.code, dict(failure.headers), failure.read().decode()
        except OSError as failure:  # refused, reset, timed out
            status, response_headers, text = 0, {}, ""
            error = f"{type(failure).__name__}: {failure}"
        if error is None and status not in expect:
            error = f"HTTP {status} on {path}"
        self.recorder.record(kind, time.perf_counter() - started, error)
        if error:
            raise RequestFailed(error)
        if (token := CSRF.search(text)) is not None:
            self.csrf = token.group(1)
        return status, response_headers, text

    def post_form(self, kind: str, path: str, fields: dict, expect=(302,)):
        """POST url-encoded fields with the CSRF token."""
        body = urllib.parse.urlencode({"csrf_token": self.csrf, **fields}, doseq=True).encode()
        return self.request(kind, path, body, "application/x-www-form-urlencoded", expect)

    def post_multipart(self, kind: str, path: str, fields: dict, files: dict[str, tuple[str, bytes]], expect=(302,)):
        """POST a multipart form (the task form page's enctype) with the CSRF token and files."""
        boundary = uuid.uuid4().hex
        parts = []
        for name, values in {"csrf_token": self.csrf, **fields}.items():
            for value in values if isinstance(values, list) else [values]:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(kind, path, body, f"multipart/form-data; boundary={boundary}", expect)

    def login(self, username: str, password: str) -> None:
        """The login page, then the form."""
        self.request("login_page", "/login")
        self.post_form("login", "/login", {"username": username, "password": password})

    def inbox_tasks(self) -> list[tuple[int, str]]:
        """GET /inbox; the (task id, step title) rows on its first page."""
        _, _, page = self.request("inbox", "/inbox")
        return [(int(task_id), title) for task_id, title in TASK_ROW.findall(page)]


class RequestFailed(Exception):
    """A request that failed or answered an unexpected status (already recorded as an error)."""
