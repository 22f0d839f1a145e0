"""The expectations of the permission matrix (`test_permission_matrix.py`): who is who, what each
person may see and do in the shared world (`permission_world.py`), and for every (endpoint, method)
the app registers, its targets and the single status code each user must get.

Who may see and do what is written out as plain sets of people, not computed by the app's own
permission code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from .permission_world import World

# -- who is who -------------------------------------------------------------------------------------
SCHOOL1_TEACHERS = {"t001", "t004", "t007", "t010", "t013", "t016"}
S1_ADMINS = {"s1admin", "s1deputy"}
MEMBERS = {"s1c1", "s1c2", "s1c3"}
SCHOOL1 = SCHOOL1_TEACHERS | S1_ADMINS | MEMBERS
ABOVE = {"county", "city", "province", "admin"}  # overseers of school 1 above it
OVERSEERS = S1_ADMINS | ABOVE
COUNTY1_STAFF = {"hypa"}  # 汉阴县's process administrator: edits its rules, sees no one's work
OUTSIDE = {"t002", "s2admin", "s2c1", "research", "expert", "training", "hrb", "leader", "county2", "city2", "province2", "admin2", "pa2"}
TEACHERS = SCHOOL1_TEACHERS | {"t002"}
SYSADMINS = {"admin", "admin2"}
CALENDAR_KEEPERS = SYSADMINS | {"county", "county2"}
USERS = sorted(SCHOOL1 | ABOVE | COUNTY1_STAFF | OUTSIDE)
EVERY_OVERSEER = OVERSEERS | {"s2admin", "county2", "city2", "province2", "admin2"}  # anywhere: their own scope's figures
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
    "annual_review": {"t016"} | OVERSEERS,  # t016's annual review (a title holder of school 1)
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
    "annual_summary": _step("annual_review", True, True, "t016", None, SCHOOL1_TEACHERS, teacher=True),
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


def view_step(user, step):
    """A step's page: an open step as `work_on(200)`; a closed one tells whoever may see the
    instance who completed it and when (issue 12), and nobody else that it exists."""
    if not step.open:
        return 200 if user in VISIBLE[step.instance] else 404
    return work_on(200)(user, step)


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
    json: dict | None = None


@dataclass(frozen=True)
class Rule:
    targets: Callable[[World], list[Target]]
    expect: Callable[[str, object], int]  # (username, target fact) → code, for signed-in users
    anonymous: int | Callable[[object], int] = 302  # login required: sent to the login page (or by target fact)
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


# The definition editor: who edits which scope (defaults: system administrators; a county's
# variants: its process administrator), probed on a decision table and a form.
EDIT_SCOPES = {"default": SYSADMINS, "county1": {"hypa"}, "county2": {"pa2"}}
EDITORS = SYSADMINS | {"hypa", "pa2"}
TABLE, FORM = "workflows/vote_rules.dmn", "forms/school_vote_tie.schema.json"


def _scope(world, name: str) -> str:
    return "default" if name == "default" else str(world.ids[name])


def _shipped(world, filename: str) -> str:
    from webapp.definitions.files import shipped_content

    with world.app.app_context():
        return shipped_content(filename).decode("utf-8")


def edit_query(**extra):
    """GET pages of one file in one scope."""
    return lambda world: [Target(name, {"file": TABLE, "scope": _scope(world, name), **extra}, name)
                          for name in EDIT_SCOPES]


def edit_form(filename: str = TABLE, with_content: bool = False, **extra):
    """Form posts naming the file and scope (the shipped text where content is needed)."""
    def targets(world):
        content = {"content": _shipped(world, filename)} if with_content else {}
        return [Target(name, {}, name, {"file": filename, "scope": _scope(world, name), **content, **extra})
                for name in EDIT_SCOPES]
    return targets


def edit_json(filename: str):
    """The editors' script calls: JSON with the file, scope and text."""
    return lambda world: [Target(name, {}, name, None, {"file": filename, "scope": _scope(world, name),
                                                          "content": _shipped(world, filename)})
                          for name in EDIT_SCOPES]


def edits(ok: int):
    return lambda user, scope: ok if user in EDIT_SCOPES[scope] else 404


CALENDAR_DAY = {"day": "2026-10-01", "kind": "holiday", "name": "国庆节", "year": "2026"}

def annual(name: str, data: dict | None = None, key: str = "title_id"):
    """One target of the annual review: t016's title, the county's round, the county, t016."""
    return lambda world: [Target(name, {key: world.ids[name]}, name, data)]


COUNTY1_OFFICE = {"county"}
CAREER_READERS = {"t016"} | OVERSEERS  # the teacher and overseers of school 1

RULES: dict[tuple[str, str], Rule] = {
    ("annual_review.duty_log", "GET"): Rule(one(), everyone(200)),
    ("annual_review.add_duty_record", "POST"): Rule(
        annual("annual_title", {"duty": "reflection", "on_date": "1999-01-04", "quantity": "1", "description": "x"}),
        only({"t016"}, 422)),  # the holder reaches the date check; nobody else learns the title exists
    ("annual_review.index", "GET"): Rule(one(), only({"county", "county2"}, 200)),  # each office its own county
    ("annual_review.open_round", "POST"): Rule(annual("county1", {"school_year": "1999"}, "county_id"),
                                               only(COUNTY1_OFFICE, 422)),
    ("annual_review.round_page", "GET"): Rule(annual("annual_round", key="round_id"), only(COUNTY1_OFFICE, 200)),
    ("annual_review.titles", "GET"): Rule(annual("county1", key="county_id"), only(COUNTY1_OFFICE, 200)),
    ("annual_review.transfer_form", "GET"): Rule(annual("annual_title"), only(COUNTY1_OFFICE, 200)),
    ("annual_review.transfer", "POST"): Rule(annual("annual_title", {"to_school": "999999", "on": "x"}),
                                             only(COUNTY1_OFFICE, 422)),
    ("annual_review.renew", "POST"): Rule(annual("annual_title"), only(COUNTY1_OFFICE, 409)),  # its review is open
    ("annual_review.my_career", "GET"): Rule(one(), everyone(302)),
    ("annual_review.career_record", "GET"): Rule(annual("t016", key="user_id"), only(CAREER_READERS, 200)),
    ("static", "GET"): Rule(one({"filename": "app.css"}), everyone(200), anonymous=200),
    ("auth.login", "GET"): Rule(one(), everyone(302), anonymous=200),
    ("auth.login", "POST"): Rule(one(data={"username": "nobody", "password": "wrong"}), everyone(302), anonymous=401),
    ("auth.logout", "POST"): Rule(one(), everyone(302), ends_session=True),
    ("auth.set_language", "POST"): Rule(one(data={"lang": "zh_Hans_CN"}), everyone(302), anonymous=302),
    ("workflow.home", "GET"): Rule(one(), everyone(302)),
    ("workflow.inbox", "GET"): Rule(one(), everyone(200)),
    ("workflow.instance", "GET"): Rule(instances, lambda user, name: 200 if user in VISIBLE[name] else 404),
    ("workflow.task", "GET"): Rule(tasks(), view_step),
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
    ("notifications.preferences", "POST"): Rule(one(data={"delivery": "app"}), everyone(302)),  # one's own choice
    ("admin.calendar", "GET"): Rule(one(), only(CALENDAR_KEEPERS, 200)),
    ("admin.save_calendar_day", "POST"): Rule(one(data=CALENDAR_DAY), only(CALENDAR_KEEPERS, 302)),
    ("admin.import_calendar", "POST"): Rule(one(data={"lines": "2026-10-02 holiday 国庆节", "year": "2026"}),
                                            only(CALENDAR_KEEPERS, 302)),
    ("admin.delete_calendar_day", "POST"): Rule(one({"day": "2026-10-01"}), only(CALENDAR_KEEPERS, 302)),
    ("admin.processes", "GET"): Rule(one(), only(SYSADMINS, 200)),
    ("admin.reload_processes", "POST"): Rule(one(), only(SYSADMINS, 302)),
    ("admin.scheduler", "GET"): Rule(one(), only(SYSADMINS, 200)),
    ("admin.retry_failed", "POST"): Rule(one(), only(SYSADMINS, 302)),
    ("workflow.instance_diagram", "GET"): Rule(instances, lambda user, name: 200 if user in VISIBLE[name] else 404),
    ("workflow.step_times", "GET"): Rule(one({"process_id": "self_application"}), only(EVERY_OVERSEER, 200)),
    ("editor.index", "GET"): Rule(one(), only(EDITORS, 200)),
    ("editor.edit", "GET"): Rule(edit_query(), edits(200)),
    ("editor.source", "GET"): Rule(edit_query(), edits(200)),
    ("editor.history", "GET"): Rule(edit_query(), edits(200)),
    ("editor.diff", "GET"): Rule(edit_query(**{"from": "0", "to": "0"}), edits(200)),
    ("editor.save_draft", "POST"): Rule(edit_json(TABLE), edits(200)),
    ("editor.upload", "POST"): Rule(edit_form(), edits(422)),  # no file chosen
    ("editor.publish", "POST"): Rule(edit_form(with_content=True, comment=""), edits(422)),  # no comment
    ("editor.rollback", "POST"): Rule(edit_form(number="0"), edits(302)),  # the shipped version again
    ("editor.impact", "POST"): Rule(edit_json(TABLE), edits(200)),
    ("editor.preview_form", "POST"): Rule(edit_json(FORM), edits(200)),
    ("editor.migrate", "GET"): Rule(edit_query(process="self_application"), edits(200)),
    # No process chosen to move: the editor's own page again (422); anyone else: 404.
    ("editor.migrate_chosen", "POST"): Rule(edit_form(process="self_application", comment="x"), edits(422)),
}

# Processes whose rows live in modules of their own, merged here (their worlds:
# permission_world_review.py, permission_world_rotation.py).
from .permission_rules_review import REVIEW_RULES  # noqa: E402
from .permission_rules_rotation import ROTATION_RULES  # noqa: E402  (needs Rule, Target and the helpers above)

RULES.update(REVIEW_RULES)
RULES.update(ROTATION_RULES)

# The administration of organisations and people, the import, the reports and the API (issue 18).
from .permission_rules_people import people_rules  # noqa: E402

RULES.update(people_rules(Rule))

# The training and the conferral (issue 14; world: permission_world_training.py).
from .permission_rules_training import TRAINING_RULES  # noqa: E402

RULES.update(TRAINING_RULES)
