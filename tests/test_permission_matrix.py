"""The permission matrix: every URL the app registers, for every demo role in and out of scope,
over work at every stage (draft, returned, submitted, claimed, in vote, on notice, objection,
reported), with the single status code each one must answer.

`RULES` (in `permission_rules.py`) maps each (endpoint, method) of `app.url_map` to its targets and
its expected code; a new URL without a rule fails `test_every_url_has_a_rule`. Each request runs in
a transaction that is rolled back afterwards, so permitted actions really happen (a withdrawal,
a claim, a rollback of a rule file) and still leave the shared world as it was.
"""
from __future__ import annotations

from contextlib import nullcontext

import pytest

from webapp.roles import Role

from .conftest import empty_database
from .permission_rules import ABOVE, COUNTY1_STAFF, OUTSIDE, PROBED, RULES, SCHOOL1, USERS, Rule, Target
from .permission_world import World, build_world
from .support.rollback import rolled_back


# -- running it -------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def clean_database():
    """The world is shared by every test here; `world` empties the database when the module ends."""
    yield


@pytest.fixture(scope="module")
def world(app):
    built = build_world(app)
    for username in USERS:
        built.session(username)  # logged in before any probe, outside the rolled-back requests
    yield built
    empty_database(app)


def _probe(world: World, key: tuple[str, str], rule: Rule, target: Target, user: str | None) -> int:
    endpoint, method = key
    with world.app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **target.values)
    client = world.client(user)
    kept = client.get_cookie("session") if rule.ends_session and user is not None else None
    # The login throttle keeps its counters on a connection of its own, outside any request's
    # transaction, so login probes run for real: they write only login audit rows and counters.
    scope = nullcontext() if key == ("auth.login", "POST") else rolled_back(world.app, forget_caches=method != "GET")
    with scope:
        if target.json is not None:
            response = client.open(url, method=method, json=target.json)
        else:
            response = client.open(url, method=method, data=target.data or {})
    if kept is not None:  # the session lives in the signed cookie: put it back instead of logging in again
        assert client.get("/inbox").status_code == 302, "logout left the session open"
        client.set_cookie(kept.key, kept.value, domain=kept.domain, path=kept.path)
    return response.status_code


@pytest.mark.parametrize("key", sorted(RULES), ids=lambda key: f"{key[1]} {key[0]}")
def test_matrix(world, key):
    rule = RULES[key]
    wrong = []
    for target in rule.targets(world):
        for user in PROBED:
            if user is None:
                expected = rule.anonymous(target.fact) if callable(rule.anonymous) else rule.anonymous
            else:
                expected = rule.expect(user, target.fact)
            got = _probe(world, key, rule, target, user)
            if got != expected:
                wrong.append(f"{target.label} as {user or 'anonymous'}: expected {expected}, got {got}")
    assert not wrong, f"{key[1]} {key[0]}:\n  " + "\n  ".join(wrong)


def test_every_url_has_a_rule(app):
    registered = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                  for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert registered - set(RULES) == set(), "URLs without an expectation in RULES"
    assert set(RULES) - registered == set(), "rules for URLs the app no longer has"



def test_every_demo_role_is_probed_in_and_out_of_scope(world):
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import RoleAssignment, User

    with world.app.app_context():
        held = {(username, role) for username, role in db.session.execute(
            select(User.username, RoleAssignment.role).join(RoleAssignment, RoleAssignment.user_id == User.id))}
    in_scope = {role for username, role in held if username in SCHOOL1 | ABOVE | COUNTY1_STAFF}
    out_of_scope = {role for username, role in held if username in OUTSIDE}
    assert in_scope | out_of_scope == set(Role)
    # Research staff, experts and the county's leading group act only in the county review, the training
    # and the conferral, whose rows (permission_rules_review.py, permission_rules_training.py) probe them
    # there; so does the training centre. The HR bureau acts only on a conferral's second approval, off by
    # default (tests/test_conferral_hr.py).
    acting = set(Role) - {Role.research_staff, Role.expert, Role.training_centre, Role.county_leader, Role.hr_bureau}
    assert acting <= in_scope and acting <= out_of_scope


def test_probes_leave_the_world_as_it_was(world):
    """A permitted action inside a probe really happens, and is gone afterwards."""
    from webapp.extensions import db
    from webapp.models import HumanTask
    from webapp.processes.self_application.models import Application, ApplicationStatus

    key = ("self_application.withdraw", "POST")
    target = next(t for t in RULES[key].targets(world) if t.fact == "app_draft")
    assert _probe(world, key, RULES[key], target, "t007") == 302
    claim_key = ("workflow.claim", "POST")
    queue_step = next(t for t in RULES[claim_key].targets(world) if t.label == "submitted_review")
    assert _probe(world, claim_key, RULES[claim_key], queue_step, "s1deputy") == 302
    with world.app.app_context():
        assert db.session.get(Application, world.ids["app_draft_application"]).status is ApplicationStatus.draft
        assert db.session.get(HumanTask, world.ids["submitted_review"]).assignee_id is None
