"""The permission matrix's rows for the administration of organisations and people, the import,
the reports and the JSON API (`webapp/people/`), merged into `RULES` by `permission_rules.py`.

Managers of school 1 are the offices above it (county, city, province, system administrator);
its school administrators edit its teachers' profiles only; everyone else — another province's
offices too — gets 404.
"""
from __future__ import annotations

from .permission_world import World

ABOVE = {"county", "city", "province", "admin"}
S1_ADMINS = {"s1admin", "s1deputy"}
OTHER_MANAGERS = {"county2", "city2", "province2", "admin2"}
MANAGERS = ABOVE | OTHER_MANAGERS
SCHOOL_ADMINS = S1_ADMINS | {"s2admin"}
# Reports of school 1: its administrators and every overseer above it (the county's leading group too).
REPORT_READERS = S1_ADMINS | ABOVE | {"leader"}


def _only(people: set, yes: int, no: int = 404):
    return lambda user, _fact: yes if user in people else no


def _everyone(code: int):
    return lambda _user, _fact: code


def _ids(world: World) -> dict:
    """Ids the rows need, made once: t001, its teacher role, an API token of t001, an import job of 汉阴县."""
    if "people_t001" in world.ids:
        return world.ids
    from webapp.extensions import db
    from webapp.models import RoleAssignment, User
    from webapp.people.models import ImportJob
    from webapp.people.tokens import create

    with world.app.app_context():
        t001 = db.session.query(User).filter_by(username="t001").one()
        county = db.session.query(User).filter_by(username="county").one()
        world.ids["people_t001"] = t001.id
        world.ids["people_t001_role"] = db.session.query(RoleAssignment.id).filter_by(user_id=t001.id).scalar()
        token, _secret = create(t001, "matrix", t001)
        world.ids["people_token"] = token.id
        job = ImportJob(org_id=world.ids["county1"], created_by_id=county.id, file_name="x.xlsx", status="refused",
                        total=0, done=0, problems=[])
        db.session.add(job)
        db.session.commit()
        world.ids["people_job"] = job.id
    return world.ids


def _target(values=None, data=None, fact=None):
    from .permission_rules import Target

    return Target("-", values or {}, fact, data)


def _with(make_values, data=None):
    return lambda world: [_target(make_values(_ids(world)), data)]


def _t001(**extra):
    return _with(lambda ids: {"user_id": ids["people_t001"], **extra})


def _school1(key="org_id"):
    return lambda world: [_target({key: world.ids["school1"]})]


def _one(values=None, data=None):
    return lambda world: [_target(values, data)]


def _reports():
    return lambda world: [_target({"org": world.ids["school1"]})]


def _city1():
    """The city above county 1 (the several-counties report is a city's or province's)."""
    def make(world):
        if "people_city1" not in world.ids:
            from webapp.extensions import db
            from webapp.models import Organisation

            with world.app.app_context():
                world.ids["people_city1"] = db.session.get(Organisation, world.ids["county1"]).parent_id
        return [_target({"org": world.ids["people_city1"]})]
    return make


def people_rules(Rule) -> dict:
    """(endpoint, method) → Rule for every URL of `webapp/people/`."""
    managers_t001 = _only(ABOVE, 422)
    return {
        ("people.index", "GET"): Rule(_one(), lambda u, _f: 200 if u in MANAGERS else 302 if u in SCHOOL_ADMINS else 404),
        ("people.new_org", "GET"): Rule(lambda world: [_target({"parent_id": world.ids["county1"]})], _only(ABOVE, 200)),
        ("people.new_org", "POST"): Rule(lambda world: [_target({"parent_id": world.ids["county1"]}, {})], _only(ABOVE, 422)),
        ("people.edit_org", "GET"): Rule(_school1(), _only(ABOVE, 200)),
        ("people.edit_org", "POST"): Rule(_school1(), _only(ABOVE, 422)),
        ("people.move_org", "POST"): Rule(_school1(), _only(ABOVE, 303)),
        ("people.set_org_active", "POST"): Rule(lambda world: [_target({"org_id": world.ids["school1"]}, {"active": "1"})],
                                                _only(ABOVE, 302)),
        ("people.user_list", "GET"): Rule(_one(), _only(MANAGERS | SCHOOL_ADMINS, 200)),
        ("people.new_user", "GET"): Rule(_one(), _only(MANAGERS, 200)),
        ("people.new_user", "POST"): Rule(_one(data={}), _only(MANAGERS, 422)),
        ("people.user_page", "GET"): Rule(_t001(), _only(ABOVE | S1_ADMINS, 200)),
        ("people.user_page", "POST"): Rule(_t001(), managers_t001),
        ("people.save_profile", "POST"): Rule(_t001(), _only(ABOVE | S1_ADMINS, 422)),
        ("people.grant_role", "POST"): Rule(_t001(), managers_t001),
        ("people.revoke_role", "POST"): Rule(_with(lambda ids: {"user_id": ids["people_t001"],
                                                                "assignment_id": ids["people_t001_role"]}), managers_t001),
        ("people.deactivate_user", "POST"): Rule(_t001(), managers_t001),
        ("people.reactivate_user", "POST"): Rule(_t001(), _only(ABOVE, 409)),
        ("people.reset_password", "POST"): Rule(_t001(), _only(ABOVE, 302)),
        ("people.create_token", "POST"): Rule(_with(lambda ids: {"user_id": ids["people_t001"]}, {"name": "x"}),
                                              _only(ABOVE | {"t001"}, 302)),
        ("people.revoke_token", "POST"): Rule(_with(lambda ids: {"user_id": ids["people_t001"],
                                                                 "token_id": ids["people_token"]}),
                                              _only(ABOVE | {"t001"}, 302)),
        ("people.account", "GET"): Rule(_one(), _everyone(200)),
        ("people.change_password", "POST"): Rule(_one(data={}), _everyone(422)),
        ("people.imports", "GET"): Rule(_one(), _only(MANAGERS, 200)),
        ("people.import_template", "GET"): Rule(_one(), _only(MANAGERS, 200)),
        ("people.upload_import", "POST"): Rule(_one(data={}), _only(MANAGERS, 422)),
        ("people.import_job", "GET"): Rule(_with(lambda ids: {"job_id": ids["people_job"]}), _only(ABOVE, 200)),
        ("people.apply_import", "POST"): Rule(_with(lambda ids: {"job_id": ids["people_job"]}), _only(ABOVE, 409)),
        ("people.reports", "GET"): Rule(_reports(), _only(REPORT_READERS, 200)),
        ("people.report_expiring", "GET"): Rule(_reports(), _only(REPORT_READERS, 200)),
        ("people.report_applications", "GET"): Rule(_reports(), _only(REPORT_READERS, 200)),
        ("people.report_quota", "GET"): Rule(_reports(), _only(REPORT_READERS, 200)),
        ("people.report_rankings", "GET"): Rule(_reports(), _only(REPORT_READERS, 200)),
        ("people.report_annual", "GET"): Rule(_reports(), _only(REPORT_READERS, 200)),
        ("people.report_rotations", "GET"): Rule(_reports(), _only(REPORT_READERS, 200)),
        ("people.report_due", "GET"): Rule(_reports(), _only(REPORT_READERS, 200)),
        ("people.report_trainees", "GET"): Rule(_reports(), _only(REPORT_READERS, 200)),
        ("people.report_conferred", "GET"): Rule(_reports(), _only(REPORT_READERS, 200)),
        # Several counties at once: only offices above a county (a county's own office gets 404 too).
        ("people.report_counties", "GET"): Rule(_city1(), _only({"city", "province", "admin"}, 200)),
        # The API takes tokens only: a logged-in browser session is not enough (tests/test_people_api.py).
        ("api.openapi", "GET"): Rule(_one(), _everyone(200), anonymous=200),
        ("api.me", "GET"): Rule(_one(), _everyone(401), anonymous=401),
        ("api.organisations", "GET"): Rule(_one(), _everyone(401), anonymous=401),
        ("api.organisation", "GET"): Rule(_school1(), _everyone(401), anonymous=401),
        ("api.titles", "GET"): Rule(_one(), _everyone(401), anonymous=401),
        ("api.inbox", "GET"): Rule(_one(), _everyone(401), anonymous=401),
        ("api.instances", "GET"): Rule(_one(), _everyone(401), anonymous=401),
        ("api.instance", "GET"): Rule(lambda world: [_target({"instance_id": world.ids["app_draft"]})], _everyone(401),
                                      anonymous=401),
    }
