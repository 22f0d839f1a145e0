"""The permission matrix: every URL the app registers, for every demo role in and out of scope,
over work at every stage (draft, returned, submitted, claimed, in vote, on notice, objection,
reported), with the single status code each one must answer.

`RULES` maps each (endpoint, method) of `app.url_map` to its targets and its expected code; a new
URL without a rule fails `test_every_url_has_a_rule`. Who may see and do what is written out as
plain sets of people below, not computed by the app's own permission code. Each request runs in
a transaction that is rolled back afterwards, so permitted actions really happen (a withdrawal,
a claim, a reassignment's validation) and still leave the shared world as it was.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

import pytest

from webapp.roles import Role

from .conftest import empty_database
from .permission_world import World, build_world
from .support.rollback import rolled_back

# -- who is who -------------------------------------------------------------------------------------
SCHOOL1_TEACHERS = {"t001", "t004", "t007", "t010", "t013", "t016"}
S1_ADMINS = {"s1admin", "s1deputy"}
MEMBERS = {"s1c1", "s1c2", "s1c3"}
SCHOOL1 = SCHOOL1_TEACHERS | S1_ADMINS | MEMBERS
ABOVE = {"county", "city", "province", "admin"}  # overseers of school 1 above it
OVERSEERS = S1_ADMINS | ABOVE
OUTSIDE = {"t002", "s2admin", "s2c1", "research", "expert", "training", "county2", "city2", "province2", "admin2"}
TEACHERS = SCHOOL1_TEACHERS | {"t002"}
SYSADMINS = {"admin", "admin2"}
CALENDAR_KEEPERS = SYSADMINS | {"county", "county2"}
USERS = sorted(SCHOOL1 | ABOVE | OUTSIDE)
PROBED: list[str | None] = [None, *USERS]  # None: not logged in

# -- what each one may see --------------------------------------------------------------------------
VISIBLE = {
    "app_draft": {"t007"} | OVERSEERS,
    "app_returned": {"t013"} | OVERSEERS,
    "app_submitted": {"t010"} | OVERSEERS,
    "app_claimed": {"t004"} | OVERSEERS,
    "app_in_vote": {"t001"} | OVERSEERS,
    "app_reported": {"t007"} | OVERSEERS,
    "vote_voting": MEMBERS | OVERSEERS,
    "vote_notice": MEMBERS | OVERSEERS,
    "vote_reported": MEMBERS | OVERSEERS,
    "objection": {"t001"} | S1_ADMINS,  # confidential: the objector and the investigators only
}
APPLICATION_OWNER = {"app_draft": "t007", "app_returned": "t013", "app_submitted": "t010", "app_claimed": "t004",
                     "app_in_vote": "t001", "app_reported": "t007"}
WITHDRAWABLE = {"app_draft", "app_returned", "app_submitted"}  # not yet taken up by the school
UPLOADED = {"application": {"t001", "t004", "t007", "t010", "t013"}, "objection": {"t001"}}
# (instance, file) → who may download it through that instance; the empty ones are not linked there.
EVIDENCE = {
    ("app_returned", "application"): VISIBLE["app_returned"],
    ("app_submitted", "application"): VISIBLE["app_submitted"],
    ("vote_voting", "application"): VISIBLE["vote_voting"],  # the candidates' files, for the ballot
    ("objection", "objection"): VISIBLE["objection"],
    ("objection", "application"): set(),
    ("app_returned", "objection"): set(),
    ("app_draft", "application"): set(),  # a draft's file is linked when the declaration is submitted
}


@dataclass(frozen=True)
class Step:
    """A task: where, its state, whose it is, who holds its role there, who may reassign it."""

    instance: str
    open: bool
    personal: bool
    assignee: str | None
    completer: str | None
    holders: frozenset
    reassigners: frozenset = field(default_factory=frozenset)
    teacher: bool = False


def _step(instance, open_, personal, assignee, completer, holders, reassigners=(), teacher=False) -> Step:
    return Step(instance, open_, personal, assignee, completer, frozenset(holders), frozenset(reassigners), teacher)


STEPS = {
    "draft_declaration": _step("app_draft", True, True, "t007", None, SCHOOL1_TEACHERS, teacher=True),
    "completed_declaration": _step("app_returned", False, True, "t013", "t013", SCHOOL1_TEACHERS, teacher=True),
    "correction": _step("app_returned", True, True, "t013", None, SCHOOL1_TEACHERS, teacher=True),
    "returned_review": _step("app_returned", False, False, "s1admin", "s1admin", S1_ADMINS, ABOVE),
    "submitted_review": _step("app_submitted", True, False, None, None, S1_ADMINS, ABOVE),
    "claimed_review": _step("app_claimed", True, False, "s1admin", None, S1_ADMINS, ABOVE),
    "cast_ballot": _step("vote_voting", False, True, "s1c1", "s1c1", MEMBERS, OVERSEERS),
    "open_ballot": _step("vote_voting", True, True, "s1c2", None, MEMBERS, OVERSEERS),
    "investigation": _step("objection", True, False, None, None, S1_ADMINS),  # confidential: no overseer sees it
    "report": _step("vote_reported", False, False, "s1admin", "s1admin", S1_ADMINS, ABOVE),
}


def _reaches(step: Step, user: str) -> bool:
    """The step exists for the user: theirs, done by them, or a queue step of their role there."""
    known = user in (step.assignee, step.completer) or (not step.personal and user in step.holders)
    return known and user in VISIBLE[step.instance]


def work_on(ok: int) -> Callable[[str, Step], int]:
    """Open or submit the step's form: `ok` for whoever may work on it now."""
    def expect(user, step):
        if not _reaches(step, user):
            return 404
        if not step.open or step.assignee not in (None, user):
            return 409  # completed, or taken by a colleague: told truthfully
        return ok
    return expect


def claim(user, step):
    if not _reaches(step, user):
        return 404
    if not step.open or step.assignee not in (None, user):
        return 409
    return 302  # taken now, or already theirs


def release(user, step):
    if not _reaches(step, user):
        return 404
    if not step.open or step.assignee != user:
        return 409  # nothing of theirs to release
    return 404 if step.personal else 302  # a personal step has no release


def reassign(ok: int) -> Callable[[str, Step], int]:
    def expect(user, step):
        if user not in step.reassigners or step.teacher:
            return 404
        if not step.open or step.assignee is None:
            return 409
        return ok
    return expect


# -- the rules --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    label: str
    values: dict
    fact: object = None
    data: dict | None = None


@dataclass(frozen=True)
class Rule:
    targets: Callable[[World], list[Target]]
    expect: Callable[[str, object], int]  # (username, target fact) → code, for signed-in users
    anonymous: int = 302  # login required: sent to the login page
    ends_session: bool = False  # the request ends the session (logout): the user's cookie is restored after it


def one(values: dict | None = None, data: dict | None = None):
    return lambda world: [Target("-", values or {}, None, data)]


def only(people: set, yes: int, no: int = 404):
    return lambda user, _fact: yes if user in people else no


def everyone(code: int):
    return lambda _user, _fact: code


def tasks(data: dict | None = None):
    return lambda world: [Target(name, {"task_id": world.ids[name]}, step, data) for name, step in STEPS.items()]


def instances(world):
    return [Target(name, {"instance_id": world.ids[name]}, name) for name in VISIBLE]


def evidence_links(world):
    return [Target(f"{inst}/{kind}", {"instance_id": world.ids[inst], "evidence_id": world.digests[kind]}, readers)
            for (inst, kind), readers in EVIDENCE.items()]


def applications(world):
    return [Target(name, {"application_id": world.ids[f"{name}_application"]}, name) for name in APPLICATION_OWNER]


def withdraw_application(user, name):
    if user != APPLICATION_OWNER[name]:
        return 404
    return 302 if name in WITHDRAWABLE else 409


ROUNDS = {"vote_voting": "candidate_voting", "vote_notice": "candidate_notice", "vote_reported": "candidate_reported"}
OBJECTION = {"reason": "该候选人的申报材料与事实不符，请学校核实处理。"}


def rounds(world):
    return [Target(name, {"round_id": world.ids[f"{name}_round"]}, name,
                   {"candidate": str(world.ids[ROUNDS[name]]), **OBJECTION}) for name in ROUNDS]


def object_to(user, name):
    if user not in SCHOOL1:
        return 404  # unseen, or seen by an overseer who is not of the school
    return {"vote_voting": 422, "vote_notice": 302, "vote_reported": 409}[name]  # no list yet; open; over


CANDIDATES = {"candidate_voting": ("t001", 302), "candidate_notice": ("t013", 302), "candidate_reported": ("t007", 409)}


def candidacies(world):
    return [Target(name, {"candidate_id": world.ids[name]}, name) for name in CANDIDATES]


def withdraw_candidacy(user, name):
    owner, code = CANDIDATES[name]
    return code if user == owner else 404


def schools(world):
    deadline = (date.today() + timedelta(days=5)).isoformat()
    data = {"cycle_id": str(world.ids["cycle_backbone"]), "deadline": deadline}
    return [Target("school1", {"school_id": world.ids["school1"]}, S1_ADMINS, data),
            Target("school2", {"school_id": world.ids["school2"]}, {"s2admin"}, data)]


def famous_call(world):
    from .helpers import cycle_id_for

    return [Target("famous_teacher", {}, None, {"cycle_id": str(cycle_id_for(world.app, "famous_teacher"))})]


CALENDAR_DAY = {"day": "2026-10-01", "kind": "holiday", "name": "国庆节", "year": "2026"}

RULES: dict[tuple[str, str], Rule] = {
    ("static", "GET"): Rule(one({"filename": "app.css"}), everyone(200), anonymous=200),
    ("auth.login", "GET"): Rule(one(), everyone(302), anonymous=200),
    ("auth.login", "POST"): Rule(one(data={"username": "nobody", "password": "wrong"}), everyone(302), anonymous=401),
    ("auth.logout", "POST"): Rule(one(), everyone(302), ends_session=True),
    ("auth.set_language", "POST"): Rule(one(data={"lang": "zh_Hans_CN"}), everyone(302), anonymous=302),
    ("workflow.home", "GET"): Rule(one(), everyone(302)),
    ("workflow.inbox", "GET"): Rule(one(), everyone(200)),
    ("workflow.instance", "GET"): Rule(instances, lambda user, name: 200 if user in VISIBLE[name] else 404),
    ("workflow.task", "GET"): Rule(tasks(), work_on(200)),
    ("workflow.submit", "POST"): Rule(tasks({"choices": "999999"}), work_on(422)),  # reaches validation, changes nothing
    ("workflow.claim", "POST"): Rule(tasks(), claim),
    ("workflow.unclaim", "POST"): Rule(tasks(), release),
    ("workflow.reassign_form", "GET"): Rule(tasks(), reassign(200)),
    ("workflow.reassign", "POST"): Rule(tasks({"assignee": "", "reason": ""}), reassign(422)),
    ("evidence.instance_file", "GET"): Rule(evidence_links, lambda user, readers: 200 if user in readers else 404),
    ("evidence.download", "GET"): Rule(
        lambda world: [Target(kind, {"evidence_id": world.digests[kind]}, kind) for kind in UPLOADED],
        lambda user, kind: 200 if user in UPLOADED[kind] else 404),
    ("self_application.mine", "GET"): Rule(one(), only(TEACHERS, 200)),
    ("self_application.start", "POST"): Rule(famous_call, lambda user, _: (409 if user == "t007" else 302) if user in TEACHERS else 404),
    ("self_application.withdraw", "POST"): Rule(applications, withdraw_application),
    ("school_vote.index", "GET"): Rule(one(), everyone(200)),
    ("school_vote.round_page", "GET"): Rule(rounds, lambda user, _name: 200 if user in SCHOOL1 | ABOVE else 404),
    ("school_vote.object_to", "POST"): Rule(rounds, object_to),
    ("school_vote.withdraw", "POST"): Rule(candidacies, withdraw_candidacy),
    ("school_vote.county", "GET"): Rule(one(), only({"county", "city", "province", "county2", "city2", "province2"} | SYSADMINS, 200)),
    ("school_vote.quotas", "GET"): Rule(one(), only({"county", "county2"}, 200)),
    ("school_vote.set_quota", "POST"): Rule(
        lambda world: [Target("backbone", {"cycle_id": world.ids["cycle_backbone"]}, None, {"mode": "absolute", "value": "2"})],
        only({"county"}, 302)),
    ("school_vote.open_round", "POST"): Rule(schools, lambda user, admins: 409 if user in admins else 404),  # nothing to vote on
    ("notifications.index", "GET"): Rule(one(), everyone(200)),
    ("notifications.read", "POST"): Rule(lambda world: [Target("t001's", {"notification_id": world.ids["notification"]})],
                                         only({"t001"}, 302)),
    ("notifications.read_all", "POST"): Rule(one(), everyone(302)),
    ("admin.calendar", "GET"): Rule(one(), only(CALENDAR_KEEPERS, 200)),
    ("admin.save_calendar_day", "POST"): Rule(one(data=CALENDAR_DAY), only(CALENDAR_KEEPERS, 302)),
    ("admin.import_calendar", "POST"): Rule(one(data={"lines": "2026-10-02 holiday 国庆节", "year": "2026"}),
                                            only(CALENDAR_KEEPERS, 302)),
    ("admin.delete_calendar_day", "POST"): Rule(one({"day": "2026-10-01"}), only(CALENDAR_KEEPERS, 302)),
    ("admin.processes", "GET"): Rule(one(), only(SYSADMINS, 200)),
    ("admin.reload_processes", "POST"): Rule(one(), only(SYSADMINS, 302)),
    ("admin.scheduler", "GET"): Rule(one(), only(SYSADMINS, 200)),
    ("admin.retry_failed", "POST"): Rule(one(), only(SYSADMINS, 302)),
}


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
    with rolled_back(world.app, forget_caches=method != "GET"):
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
            expected = rule.anonymous if user is None else rule.expect(user, target.fact)
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
    in_scope = {role for username, role in held if username in SCHOOL1 | ABOVE}
    out_of_scope = {role for username, role in held if username in OUTSIDE}
    assert in_scope | out_of_scope == set(Role)
    # Research staff, experts and the training centre have no step in any process yet: nothing, anywhere.
    acting = set(Role) - {Role.research_staff, Role.expert, Role.training_centre}
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
