"""Task-page panels of the plan: a school's nominations, the matching, a school's placements."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from ...extensions import db
from ...models import HumanTask, Organisation
from . import nominations, placing
from .models import RotationPlan
from .plans import quota_table


def _plan_and_school(task: HumanTask, context: dict):
    plan = db.session.get(RotationPlan, int(context.get("plan_id", 0)))
    return plan, db.session.get(Organisation, task.org_id)


def school_nominations(task: HumanTask, context: dict) -> Markup:
    """The school's quotas, due count and answers so far, with the link to the nominations page."""
    plan, school = _plan_and_school(task, context)
    if plan is None:
        return Markup("")
    quota = {form: row for (sid, form), row in quota_table(plan).items() if sid == school.id}
    return Markup(render_template("rotation_plan/_panel_nominations.html", plan=plan, school=school, quota=quota,
                                  due=nominations.school_due(plan, school),
                                  answers=nominations.school_nominations(plan, school)))


def matching(task: HumanTask, context: dict) -> Markup:
    """The plan's placements and the schools' latest answers, with the link to the matching page."""
    plan = db.session.get(RotationPlan, int(context.get("plan_id", 0)))
    if plan is None:
        return Markup("")
    return Markup(render_template("rotation_plan/_panel_matching.html", plan=plan,
                                  rotations=placing.plan_rotations(plan), responses=placing.latest_responses(plan)))


def school_matches(task: HumanTask, context: dict) -> Markup:
    """The teachers the school sends and receives, with the reasons of each match."""
    plan, school = _plan_and_school(task, context)
    if plan is None:
        return Markup("")
    sent, received = placing.school_rotations(plan, school)
    return Markup(render_template("rotation_plan/_panel_school_matches.html", plan=plan, school=school,
                                  sent=sent, received=received))


def quotas(task: HumanTask, context: dict) -> Markup:
    """Sending and receiving places so far, with the link to the quota page."""
    plan = db.session.get(RotationPlan, int(context.get("plan_id", 0)))
    if plan is None:
        return Markup("")
    return Markup(render_template("rotation_plan/_panel_quotas.html", plan=plan,
                                  sends=sum(q.sends for q in plan.quotas), receives=sum(q.receives for q in plan.quotas),
                                  schools=len({q.school_id for q in plan.quotas if q.sends > 0})))


PANELS = {
    "rotation_quotas": quotas,
    "rotation_school_nominations": school_nominations,
    "rotation_matching": matching,
    "rotation_school_matches": school_matches,
}
