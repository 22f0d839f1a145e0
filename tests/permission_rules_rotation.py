"""The permission matrix's rows for rotation (`rotation_plan.*`): the annual plan, the service history
and pairing (对口帮扶), over the world of `permission_world_rotation.py` (the plan at the matching
step, matched; a previewed import; t004 paired with teachers of the weak school 530101-03).

Who is who, for rotation:
- the county office of 汉阴县 (`county`) runs the plan, the service history and pairings; another
  county's office (`county2`) runs its own county only (it may open a plan, pair, import there);
- school 1's administrators (`s1admin`, `s1deputy`) see their school's page of the plan and the
  pairing of their teacher; school 2's (`s2admin`) their own school's page;
- t004 is the mentor of the pairing; the paired teachers are of school 3, outside the probed people;
- whoever serves in the county may volunteer while a plan takes nominations (this one is matching).
Everything else answers 404; a plan past its nominations answers 409 to those who could act earlier.
"""
from __future__ import annotations

from .permission_rules import Rule, Target, everyone, one, only
from .permission_world_rotation import county_serving

OFFICE = {"county"}
OFFICES = {"county", "county2"}  # a county office anywhere: its own county's forms
PAIRING_SEEN = {"county", "s1admin", "s1deputy", "t004"}  # the office, the mentor's school, the mentor
MENTOR = {"t004"}


def plan(**extra):
    """Targets naming the plan."""
    return lambda world: [Target("plan", {"plan_id": world.ids["plan"], **extra})]


def school_pages(**extra):
    """The plan's page of school 1 and of school 2, each with the administrators who may open it."""
    return lambda world: [Target("school1", {"plan_id": world.ids["plan"], "school_id": world.ids["school1"], **extra},
                                 {"s1admin", "s1deputy"}),
                          Target("school2", {"plan_id": world.ids["plan"], "school_id": world.ids["school2"], **extra},
                                 {"s2admin"})]


def school_actions(world):
    """Nominate and exempt at school 1 (nominations are closed: 409 for its administrators)."""
    return [Target(action, {"plan_id": world.ids["plan"], "school_id": world.ids["school1"], "action": action},
                   {"s1admin", "s1deputy"}, {"person": str(world.ids["t001"]), "form": "support"})
            for action in ("nominate", "exempt")]


def admins(code: int):
    return lambda user, admins_: code if user in admins_ else 404


def volunteering(world):
    return [Target("plan", {"plan_id": world.ids["plan"]}, county_serving(world), {"form": "support"})]


def pairing(**extra):
    return lambda world: [Target("pairing", {"pairing_id": world.ids["pairing"], **extra})]


def history_school(**extra):
    return lambda world: [Target("school1", {"school_id": world.ids["school1"], **extra})]


ROTATION_RULES: dict[tuple[str, str], Rule] = {
    ("rotation_plan.index", "GET"): Rule(one(), everyone(200)),
    ("rotation_plan.create_plan", "POST"): Rule(one(data={}), only(OFFICES, 422)),  # no year or dates
    ("rotation_plan.plan_page", "GET"): Rule(plan(), only(OFFICE, 200)),
    ("rotation_plan.quotas", "GET"): Rule(plan(), only(OFFICE, 200)),
    # All zero: below what the schools already nominated, refused next to those fields.
    ("rotation_plan.save_quotas", "POST"): Rule(plan(), only(OFFICE, 422)),
    ("rotation_plan.due_list", "GET"): Rule(plan(), only(OFFICE, 200)),
    ("rotation_plan.school_page", "GET"): Rule(school_pages(), admins(200)),
    ("rotation_plan.school_action", "POST"): Rule(school_actions, admins(409)),
    ("rotation_plan.withdraw", "POST"): Rule(
        lambda world: [Target("nomination", {"plan_id": world.ids["plan"], "school_id": world.ids["school1"],
                                             "nomination_id": world.ids["nomination"]}, {"s1admin", "s1deputy"})],
        admins(409)),
    ("rotation_plan.volunteer", "POST"): Rule(volunteering, lambda user, serving: 409 if user in serving else 404),
    ("rotation_plan.matching", "GET"): Rule(plan(), only(OFFICE, 200)),
    ("rotation_plan.run_matching", "POST"): Rule(plan(), only(OFFICE, 302)),
    # Back to the sending school: refused with the rule named.
    ("rotation_plan.move", "POST"): Rule(
        lambda world: [Target("rotation", {"plan_id": world.ids["plan"], "rotation_id": world.ids["rotation"]}, None,
                              {"school_id": str(world.ids["rotation_sending"])})], only(OFFICE, 422)),
    ("rotation_plan.personnel", "POST"): Rule(
        lambda world: [Target("rotation", {"plan_id": world.ids["plan"], "rotation_id": world.ids["rotation"]}, None,
                              {"moved": "1"})], only(OFFICE, 302)),
    ("rotation_plan.history_index", "GET"): Rule(one(), only(OFFICES, 200)),
    ("rotation_plan.history_school", "GET"): Rule(history_school(), only(OFFICE, 200)),
    ("rotation_plan.history_school_save", "POST"): Rule(history_school(part="attributes"), only(OFFICE, 422)),
    ("rotation_plan.history_person", "GET"): Rule(
        lambda world: [Target("t001", {"user_id": world.ids["t001"]})], only(OFFICE, 200)),
    ("rotation_plan.history_person_save", "POST"): Rule(
        lambda world: [Target("t001", {"user_id": world.ids["t001"], "part": "posting"})], only(OFFICE, 422)),
    ("rotation_plan.history_template", "GET"): Rule(one(), only(OFFICES, 200)),
    ("rotation_plan.history_import", "GET"): Rule(one(), only(OFFICES, 200)),
    ("rotation_plan.history_upload", "POST"): Rule(one(data={}), only(OFFICES, 422)),  # no file
    ("rotation_plan.history_apply", "POST"): Rule(
        lambda world: [Target("upload", {"upload_id": world.ids["upload"]})], only(OFFICE, 302)),
    ("rotation_plan.pairings", "GET"): Rule(one(), everyone(200)),
    ("rotation_plan.create_pairing", "POST"): Rule(one(data={}), only(OFFICES, 422)),  # nothing chosen
    ("rotation_plan.pairing_page", "GET"): Rule(pairing(), only(PAIRING_SEEN, 200)),
    ("rotation_plan.record_activity", "POST"): Rule(pairing(), only(MENTOR, 422)),  # no kind, date or topic
    ("rotation_plan.activity_file", "GET"): Rule(
        lambda world: [Target("file", {"pairing_id": world.ids["pairing"], "activity_id": world.ids["activity"],
                                       "evidence_id": world.digests["activity"]})], only(PAIRING_SEEN, 200)),
}
