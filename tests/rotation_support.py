"""Module-scoped demo data for the rotation tests: built once per test module, emptied at its end.

The suite's autouse `clean_database` empties the tables after every test; a rotation module sets
`clean_database` to `keep_database` so its tests share one expensive set-up and walk the plan in order.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from webapp import forget_cached_rows
from webapp.extensions import db

from .conftest import logged_in_sessions


def empty_database(app) -> None:
    """Empty every table (as conftest's clean_database does after each ordinary test)."""
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        forget_cached_rows(app)


def build(app, with_plan: bool) -> None:
    """The demo, its rotation data and (with_plan) the plan waiting to be matched."""
    from webapp.demo import build_demo
    from webapp.demo_rotation import build_rotation_demo

    with app.test_request_context():
        logins = build_demo()
        build_rotation_demo(logins, with_plan=with_plan)
        db.session.commit()


def sessions(app):
    """`login(username)` → a logged-in Session, one per username (logins cost a password hash)."""
    return logged_in_sessions(app)


def task_ids(session, step_title: str) -> list[int]:
    """Ids of the inbox rows whose step title contains `step_title`."""
    html = session.get("/inbox").get_data(as_text=True)
    rows = re.findall(r'data-task-id="(\d+)">\s*<td><a href="/tasks/\d+">([^<]+)</a>', html)
    return [int(task_id) for task_id, title in rows if step_title in title]


@pytest.fixture
def keep_database():
    """Replaces the per-test cleaning inside a rotation module."""
    yield
