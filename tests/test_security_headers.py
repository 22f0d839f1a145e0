"""Security headers on every response, a CSP with no inline script, cookies and session expiry."""
from __future__ import annotations

import re
import time
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from webapp import create_app
from webapp.config import Config

from .helpers import accepted_applications, cycle_id_for, start_application, task_id_in_inbox

WEBAPP = Path(__file__).resolve().parent.parent / "webapp"  # templates/ and each process's templates/
EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def csp_directives(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: sources}."""
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_security_headers(response) -> None:
    """Every header we promise, with its value, and a CSP that allows only our own script and style."""
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    directives = csp_directives(response)
    assert directives.get("script-src") == ["'self'"]
    assert directives.get("style-src") == ["'self'"]
    assert directives.get("frame-ancestors") == ["'none'"]
    assert directives.get("object-src") == ["'none'"]
    assert directives.get("default-src") == ["'self'"]


def test_headers_on_a_page(client, demo):
    response = client.get("/login")
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.parametrize("url", ["/no-such-page", "/tasks/999999", "/evidence/not-an-id"])
def test_headers_on_error_pages(login, url):
    response = login("t001").get(url)
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert_security_headers(response)


def test_headers_on_an_unexpected_failure(app, demo, monkeypatch):
    """A 500 page (our own handler) carries them too."""
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "workflow.inbox", explode)
    client = app.test_client()
    client.post("/login", data={"username": "t001", "password": "demo1234"})
    response = client.get("/inbox")
    assert response.status_code == 500
    assert_security_headers(response)


def test_headers_on_static_files_and_json_errors(client, demo):
    static = client.get("/static/app.js")
    assert static.status_code == 200
    assert_security_headers(static)
    static.close()
    refused = client.get("/inbox", headers={"Accept": "application/json"})
    assert_security_headers(refused)


def test_logged_in_pages_are_not_stored_by_the_browser(login, client, demo):
    assert login("t001").get("/inbox").headers.get("Cache-Control") == "no-store"
    static = client.get("/static/app.css")
    assert static.headers.get("Cache-Control") != "no-store"
    static.close()


def test_no_unsafe_inline_anywhere_in_the_policy(client, demo):
    directives = csp_directives(client.get("/login"))
    assert directives.get("script-src")
    assert not any(source in ("'unsafe-inline'", "'unsafe-eval'") or source.startswith("'nonce-")
                   for sources in directives.values() for source in sources), directives


# -- no inline script or style in the templates or the pages they render ------------------------

class InlineCodeFinder(HTMLParser):
    """Collects inline <script> bodies, <style> blocks, on* handler and style attributes, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            if not attributes.get("src"):
                self.found.append("<script> without src")
            self._in_script = True
        if tag == "style":
            self.found.append("<style> block")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append("inline script text")


def inline_code(html: str) -> list[str]:
    """What in this page a CSP without 'unsafe-inline' would block."""
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.found


def test_the_finder_sees_inline_code():
    """The scanner itself: each kind of inline code is reported (so the scans below can fail)."""
    page = ('<script>alert(1)</script><button onclick="x()">b</button><p style="color:red">'
            '<a href="javascript:x()">a</a><style>p{}</style><script src="/static/app.js"></script>')
    assert len(inline_code(page)) == 6


def test_templates_hold_no_inline_script_or_style():
    offenders = {}
    templates = sorted(WEBAPP.rglob("*.html"))
    assert len(templates) >= 20
    for path in templates:
        text = path.read_text(encoding="utf-8")
        problems = [m.group(0) for m in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+\s*=|\sstyle\s*=", text, re.I)]
        if problems:
            offenders[str(path.relative_to(WEBAPP))] = problems
    assert offenders == {}


def _get_pages(session, urls) -> dict[str, list[str]]:
    """Inline code found on each page (a page or, beyond the user’s role, the refusal page)."""
    found = {}
    for url in urls:
        response = session.get(url, follow_redirects=True)
        assert response.status_code in (200, 403, 404), (session.username, url, response.status_code)
        if response.mimetype != "text/html":  # downloads (an Excel template) carry no script
            continue
        problems = inline_code(response.get_data(as_text=True))
        if problems:
            found[url] = problems
    return found


def _simple_get_urls(app) -> list[str]:
    """Every GET route without parameters (the pages a person reaches from the navigation)."""
    urls = []
    for rule in app.url_map.iter_rules():
        # The JSON API takes tokens, not sessions (401 here): tests/test_people_api.py covers it.
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static" and not rule.endpoint.startswith("api."):
            urls.append(rule.rule)
    return sorted(urls)


def test_rendered_pages_hold_no_inline_script(app, login):
    """Every parameterless page for each kind of user, plus task forms (with repeated rows), an
    instance, a vote round with its notice and a ballot: nothing a strict CSP would block."""
    from .test_school_vote import APPLICANTS, _open_round

    accepted_applications(app, login, APPLICANTS)
    ids = _open_round(app, login)
    teacher = login("t002")
    declaration = start_application(teacher, cycle_id_for(app, "backbone"))
    member = login("s1c1")
    ballot = task_id_in_inbox(member, "投票")
    found = {}
    for username in ("t001", "s1admin", "county", "admin"):
        session = login(username)
        urls = [u for u in _simple_get_urls(app) if u not in ("/logout",)]
        found.update({f"{username} {url}": v for url, v in _get_pages(session, urls).items()})
    found.update(_get_pages(teacher, [f"/tasks/{declaration}", "/applications/"]))
    found.update(_get_pages(member, [f"/tasks/{ballot}"]))
    found.update(_get_pages(login("s1admin"), [f"/vote/rounds/{ids['round']}", f"/instances/{ids['instance']}"]))
    assert found == {}


# -- cookies and sessions -------------------------------------------------------------------------

def _session_cookie(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_is_httponly_samesite_and_expires(client, demo):
    cookie = _session_cookie(client.post("/login", data={"username": "t001", "password": "demo1234"}))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # a permanent session: it ends PERMANENT_SESSION_LIFETIME after use


def test_session_cookie_is_secure_when_served_over_https(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    client = app.test_client()
    cookie = _session_cookie(client.post("/login", data={"username": "t001", "password": "demo1234"},
                                         base_url="https://localhost"))
    assert "Secure" in cookie


def test_https_base_url_turns_on_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.setenv("BASE_URL", "https://jyj.example.gov.cn")
    config = Config()
    assert (config.SESSION_COOKIE_SECURE, config.PREFERRED_URL_SCHEME) == (True, "https")
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:5000")
    assert Config().SESSION_COOKIE_SECURE is False
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    assert Config().SESSION_COOKIE_SECURE is True


def test_session_expires_after_its_lifetime(app, login, monkeypatch):
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=1))
    session = login("t001")
    assert session.get("/inbox").status_code == 200
    time.sleep(2.2)
    response = session.get("/inbox")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_behind_a_trusted_proxy_the_client_address_and_https_are_used(database_url, tmp_path, demo):
    """TRUSTED_PROXY_COUNT=1: X-Forwarded-For names the client in the audit; X-Forwarded-Proto https
    makes the request secure (HSTS). Without it, the headers are ignored."""
    from webapp.extensions import db
    from webapp.models import LoginEvent

    settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret",
                "WTF_CSRF_ENABLED": False, "INSTANCE_DIR": tmp_path, "EVIDENCE_DIR": tmp_path / "evidence"}
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    for proxies, address, hsts in ((1, "203.0.113.9", True), (0, "127.0.0.1", False)):
        application = create_app({**settings, "TRUSTED_PROXY_COUNT": proxies})
        response = application.test_client().post("/login", data={"username": "t001", "password": "wrong"},
                                                  headers=forwarded)
        assert response.status_code == 401
        assert ("Strict-Transport-Security" in response.headers) is hsts
        with application.app_context():
            event = db.session.query(LoginEvent).order_by(LoginEvent.id.desc()).first()
            assert event.address == address


def test_only_the_editor_pages_allow_inline_style_and_none_inline_script(login):
    """dmn-js styles its tables inline: /admin/definitions/ allows inline style, nothing else does."""
    admin = login("admin")
    editor = csp_directives(admin.get("/admin/definitions/"))
    assert editor["script-src"] == ["'self'"]
    assert editor["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp_directives(admin.get("/admin/processes"))["style-src"] == ["'self'"]
