"""Fixtures: the app on SQLite (default) or on a throwaway PostgreSQL (`--db=postgresql`)."""
from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import text

from webapp import create_app, forget_cached_rows
from webapp.extensions import db

from .support.postgres import PostgresUnavailable, start_postgres


def pytest_addoption(parser):
    """`--db=sqlite|postgresql` chooses the database the suite runs on."""
    parser.addoption("--db", default="sqlite", choices=["sqlite", "postgresql"], help="database to test against")


def pytest_report_header(config):
    """Say which database this run uses."""
    return f"database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    """A fresh database for the whole session."""
    if request.config.getoption("--db") == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    try:
        server = start_postgres()
    except PostgresUnavailable as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.exit(f"PostgreSQL could not be started in CI: {error}", returncode=3)
        pytest.skip(f"PostgreSQL not available: {error}")
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The application with migrations applied, CSRF off for the test client (tested separately)."""
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "INSTANCE_DIR": instance,
            "EVIDENCE_DIR": instance / "evidence",
        }
    )
    with application.app_context():
        from flask_migrate import upgrade

        upgrade()
    return application


@pytest.fixture(autouse=True)
def clean_database(request):
    """Empty every table after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    empty_database(request.getfixturevalue("app"))


def empty_database(application) -> None:
    """Delete every row and forget what the app cached of them (also for module-scoped data)."""
    with application.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        forget_cached_rows(application)


@pytest.fixture
def demo(app):
    """The demo organisation and people."""
    from webapp.demo import build_demo

    with app.app_context():
        logins = build_demo()
        db.session.commit()
    return logins


@pytest.fixture
def client(app):
    """A test client (one browser session)."""
    return app.test_client()


class Session:
    """A logged-in test client with helpers for the common requests."""

    def __init__(self, app, username: str):
        self.app = app
        self.username = username
        self.client = app.test_client()
        response = self.client.post("/login", data={"username": username, "password": "demo1234"})
        assert response.status_code == 302, f"login failed for {username}"

    def get(self, url, **kwargs):
        """GET a page."""
        return self.client.get(url, **kwargs)

    def post(self, url, **kwargs):
        """POST a form."""
        return self.client.post(url, **kwargs)

    def task_ids(self, **query) -> list[int]:
        """Ids of tasks listed in the inbox."""
        html = self.get("/inbox", query_string=query).get_data(as_text=True)
        return [int(x) for x in re.findall(r'data-task-id="(\d+)"', html)]



def logged_in_sessions(app):
    """`get(username)` → a logged-in Session, one per username, made on first use (a login costs a
    password hash): what a module's `sessions` fixture returns over the world it set up."""
    made: dict[str, Session] = {}

    def get(username: str) -> Session:
        if username not in made:
            made[username] = Session(app, username)
        return made[username]

    return get

@pytest.fixture
def login(app, demo):
    """`login('t001')` → a logged-in Session."""
    return lambda username: Session(app, username)


@pytest.fixture
def fsynced(monkeypatch):
    """The paths `os.fsync` is called on from here on, in order (the calls still happen)."""
    paths: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(handle):
        paths.append(os.readlink(f"/proc/self/fd/{handle}"))
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    return paths
