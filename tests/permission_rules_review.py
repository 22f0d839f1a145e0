"""The permission matrix's rows for the county review (`county_review`) over its world
(`permission_world_review.py`: the famous-teacher call's review at its public notice, every
step of it completed). Merged into `permission_rules.RULES`.

The review's own pages are for the office that runs it and its leading group; the notice for
everyone whose school or role lies in the county (the office's area), who may object while it
runs; a sheet's page action for whoever completed that sheet, who is told it is closed (409).
`review_supplement` and `review_opening` have no pages of their own (their steps are the inbox's).
"""
from __future__ import annotations

from datetime import date, timedelta

from .permission_rules import ABOVE, SCHOOL1, Rule, Target, only

OFFICES = {"county", "city", "province", "county2", "city2", "province2"}  # each office at its own level
REVIEW_RUNNERS = {"county", "leader"}  # the office that runs it and the county's leading group
# Everyone whose school or role lies in 汉阴县 or above it: the notice is public to them.
COUNTY1_AREA = SCHOOL1 | ABOVE | {"hypa", "t002", "s2admin", "s2c1", "research", "expert", "training", "hrb", "leader"}
OBJECTION = {"reason": "该候选人申报的县级公开课与实际情况不符，请核实。"}


def _review(world):
    return [Target("on_notice", {"review_id": world.ids["review"]})]


def _call(name: str, data: dict | None = None):
    return lambda world: [Target(name, {"office_id": world.ids["county1"], "cycle_id": world.ids[f"cycle_{name}"]},
                                 None, data)]


def _step(task: str, **values):
    return lambda world: [Target(task, {"task_id": world.ids[task], **{k: world.ids[v] for k, v in values.items()}})]


def _objection(world):
    return [Target("on_notice", {"review_id": world.ids["review"]}, None,
                   {"candidate": str(world.ids["review_candidate"]), **OBJECTION})]


SCHEDULE = {"report_deadline": (date.today() + timedelta(days=20)).isoformat(), "places_mode": "absolute",
            "places_value": "2"}

REVIEW_RULES = {
    ("county_review.index", "GET"): Rule(lambda world: [Target("-", {})], only(OFFICES | {"leader"}, 200)),
    ("county_review.open_review", "POST"): Rule(_call("famous", {"places_mode": "absolute", "places_value": "1"}),
                                                only({"county"}, 409)),  # open already
    ("county_review.schedule_opening", "POST"): Rule(_call("leader", SCHEDULE), only({"county"}, 302)),
    ("county_review.review_page", "GET"): Rule(_review, only(REVIEW_RUNNERS, 200)),
    ("county_review.hand_over", "POST"): Rule(
        lambda world: [Target("scored sheet", {"review_id": world.ids["review"], "task_id": world.ids["review_sheet"]},
                              None, {"expert": "1", "reason": "专家账号已停用。"})],
        lambda user, _fact: 404),  # no sheet is open (only a deactivated expert's open sheet is handed over)
    ("county_review.notice", "GET"): Rule(_review, only(COUNTY1_AREA, 200)),
    ("county_review.object_to", "POST"): Rule(_objection, only(COUNTY1_AREA, 302)),
    ("county_review.withdraw", "POST"): Rule(
        lambda world: [Target("t007", {"candidate_id": world.ids["review_candidate"]})],
        only({"t007"}, 409)),  # ranked already: too late
    ("county_review.decide_materials", "POST"): Rule(_step("review_materials", candidate_id="review_candidate"),
                                                     only({"county"}, 409)),
    ("county_review.finish_materials", "POST"): Rule(_step("review_materials"), only({"county"}, 409)),
    ("county_review.edit_assignment", "POST"): Rule(_step("review_confirm"), only({"county"}, 409)),
    ("county_review.confirm_assignment", "POST"): Rule(_step("review_confirm"), only({"county"}, 409)),
    ("county_review.submit_opinions", "POST"): Rule(_step("review_opinion"), only({"research"}, 409)),
    ("county_review.submit_scores", "POST"): Rule(_step("review_sheet"), only({"expert"}, 409)),
}
