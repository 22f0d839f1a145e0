"""SQL statements per action on the completion hot path, pinned so that an N+1 cannot creep back.

Each action is one real request (login already done, pages already seen): the statements it
sends are counted with SQLAlchemy's `before_cursor_execute` event. The pins are the counts
measured on this branch (the same on SQLite and PostgreSQL), as upper bounds; `bench/bench_cycle.py`
prints the same counts per action for the service layer over a whole county.
"""
from __future__ import annotations

import re

import pytest

from webapp.extensions import db

from .helpers import accepted_applications, counting, cycle_id_for, declaration, submit, task_id_in_inbox
from .test_school_vote import MEMBERS, _open_round

# Statements per request (COMMIT not counted), measured; an action may send fewer, never more.
# Before the hot-path work (issue 19) they were: start 19, declaration 28, claim 5, review 13,
# ballot 17, closing ballot 38 (21 of those reloading each candidate's user, roles and profile).
# Of each request's count, 2–4 statements come after the commit: the page's outcome message
# (what comes next) and the user read again for it.
PINS = {
    "start": 19,
    "declaration": 20,  # 19 + the form set the instance is pinned to, read once on its first use (issue 17)
    "claim": 5,
    "review": 11,
    "ballot": 15,
    "closing ballot": 20,
}


@pytest.fixture
def count_statements(app):
    """`with count_statements() as seen:` — the SQL statements sent inside the block, in order."""
    return lambda: counting(app)


def _pinned(kind: str, seen: list[str]) -> None:
    """Fail with the statements themselves when an action sends more than its pin."""
    listing = "\n".join(f"  {index + 1}. {text.split(chr(10))[0][:160]}" for index, text in enumerate(seen))
    assert len(seen) <= PINS[kind], f"{kind}: {len(seen)} statements, pinned at {PINS[kind]}:\n{listing}"
    assert seen, f"{kind}: no statement counted (the counter is not listening)"


def test_statements_per_action(app, login, count_statements):
    teacher = login("t001")
    # The first start of a process version stores the version and the form set it pins (once per
    # version, not per start): a start in another call does that before the counted one.
    warm = teacher.post("/applications/", data={"cycle_id": cycle_id_for(app, "academic_leader", "t001")})
    assert warm.status_code == 302, warm.get_data(as_text=True)
    cycle = cycle_id_for(app, "backbone", "t001")
    with count_statements() as seen:
        response = teacher.post("/applications/", data={"cycle_id": cycle})
    assert response.status_code == 302, response.get_data(as_text=True)
    _pinned("start", seen)
    task_id = int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))

    form = declaration()
    with count_statements() as seen:
        response = submit(teacher, task_id, form)
    assert response.status_code == 302, response.get_data(as_text=True)
    _pinned("declaration", seen)

    admin = login("s1admin")
    review_id = task_id_in_inbox(admin, "学校审核申报")
    with count_statements() as seen:
        assert admin.post(f"/tasks/{review_id}/claim").status_code == 302
    _pinned("claim", seen)
    with count_statements() as seen:
        response = submit(admin, review_id, {"review_decision": "accept"})
    assert response.status_code == 302, response.get_data(as_text=True)
    _pinned("review", seen)

    accepted_applications(app, login, ["t004", "t007"])
    ids = _open_round(app, login)
    members = [(login(name), name) for name in MEMBERS]
    ballots = [(session, task_id_in_inbox(session, "投票")) for session, _name in members]
    choices = {"choices": [str(ids["t001"]), str(ids["t004"])]}
    for index, (session, ballot_id) in enumerate(ballots):
        kind = "closing ballot" if index == len(ballots) - 1 else "ballot"
        with count_statements() as seen:
            response = submit(session, ballot_id, choices)
        assert response.status_code == 302, response.get_data(as_text=True)
        _pinned(kind, seen)
    with app.app_context():
        from webapp.processes.school_vote.models import RoundStatus, VoteRound

        assert db.session.get(VoteRound, ids["round"]).status is not RoundStatus.voting  # the last ballot closed it
