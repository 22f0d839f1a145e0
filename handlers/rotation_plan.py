"""Handlers for the annual rotation plan (workflows/rotation_plan.bpmn)."""
from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import HumanTask, TaskState, utcnow
from webapp.processes.rotation_plan import due, periods, placing
from webapp.processes.rotation_plan.models import (
    Nomination, NominationStatus, PlanStatus, RotationPlan, SchoolResponse,
)

from . import handler


def _plan(plan_id) -> RotationPlan:
    """The plan the process is about."""
    plan = db.session.get(RotationPlan, int(plan_id))
    if plan is None:
        raise LookupError(f"rotation plan {plan_id} does not exist")
    return plan


@handler("compute_due_lists", "Evaluate workflows/rotation_due.dmn for everyone serving in the county; store the due lists with reasons.")
def compute_due_lists(plan_id) -> int:
    """How many due entries the rules produced."""
    return due.compute_due_lists(_plan(plan_id))


@handler("nominating_schools", "The county's schools with a sending quota: each gets a nomination step.")
def nominating_schools(plan_id) -> list[int]:
    """Ids of the schools asked to nominate."""
    plan = _plan(plan_id)
    schools = sorted({q.school_id for q in plan.quotas if q.sends > 0})
    if schools:
        plan.status = PlanStatus.nominating
    return schools


@handler("close_nominations", "Close nominations (all schools submitted, or the deadline passed); the office matches.")
def close_nominations(plan_id) -> int:
    """How many people were nominated."""
    plan = _plan(plan_id)
    plan.status = PlanStatus.matching
    return len(db.session.scalars(select(Nomination.id).filter_by(plan_id=plan.id, status=NominationStatus.nominated)).all())


@handler("check_matching", "Check that every nominee is placed; list the schools that must (re)confirm what they see.")
def check_matching(plan_id) -> dict:
    """{ok, schools, message_zh, message_en}: not ok while a nominee has no receiving school."""
    plan = _plan(plan_id)
    rotations = placing.plan_rotations(plan)
    nominated = len(db.session.scalars(select(Nomination.id).filter_by(plan_id=plan.id, status=NominationStatus.nominated)).all())
    unplaced = sum(1 for r in rotations if r.receiving_school_id is None) + max(0, nominated - len(rotations))
    if unplaced or not rotations:
        return {"ok": False, "schools": [], "unplaced": unplaced,
                "message_zh": f"还有 {unplaced} 名被提名人员没有接收学校：请运行匹配或手工安排，或调整名额。" if rotations
                else "尚未运行匹配。",
                "message_en": f"{unplaced} nominee(s) have no receiving school: run the matching or place them by hand, or change the quotas."
                if rotations else "The matching has not been run yet."}
    schools = placing.schools_to_confirm(plan, rotations)
    plan.status = PlanStatus.confirming if schools else PlanStatus.approval
    return {"ok": True, "schools": schools, "unplaced": 0, "message_zh": "", "message_en": ""}


@handler("record_responses", "Record each school's confirmation or problem against what it was shown.")
def record_responses(plan_id, responses: dict) -> dict:
    """{problems}: problems send the plan back to the matching; otherwise it waits for approval."""
    plan = _plan(plan_id)
    rotations = placing.plan_rotations(plan)
    problems = 0
    for key, answer in sorted((responses or {}).items()):
        school_id = int(key)
        task = db.session.scalar(select(HumanTask).where(
            HumanTask.instance_id == plan.instance_id, HumanTask.task_name == "confirm_matching",
            HumanTask.org_id == school_id, HumanTask.state == TaskState.completed).order_by(HumanTask.id.desc()).limit(1))
        answer = answer or {}
        decision = "problem" if answer.get("decision") == "problem" else "confirmed"
        problems += decision == "problem"
        db.session.add(SchoolResponse(plan_id=plan.id, school_id=school_id, decision=decision,
                                      fingerprint=placing.fingerprint(plan, school_id, rotations),
                                      problem=answer.get("problem") or None,
                                      user_id=task.completed_by_id if task else None))
    plan.status = PlanStatus.matching if problems else PlanStatus.approval
    db.session.flush()
    return {"problems": problems}


@handler("publish_plan", "The county office approved: publish the plan; rotations start on the start date.")
def publish_plan(plan_id) -> str:
    """The plan is published; returns its start date."""
    plan = _plan(plan_id)
    plan.status = PlanStatus.published
    plan.approved_dt = utcnow()
    task = db.session.scalar(select(HumanTask).where(
        HumanTask.instance_id == plan.instance_id, HumanTask.task_name == "approve_plan",
        HumanTask.state == TaskState.completed).order_by(HumanTask.id.desc()).limit(1))
    plan.approved_by_id = task.completed_by_id if task else None
    return plan.start_date.isoformat()


@handler("start_rotations", "Start date: each placed teacher's managing school becomes the receiving school.")
def start_rotations(plan_id) -> int:
    """How many rotations started."""
    return periods.start_plan(_plan(plan_id))


@handler("end_rotations", "End date: teachers return (unless their personnel relationship moved); history records it.")
def end_rotations(plan_id) -> int:
    """How many rotations ended."""
    return periods.end_plan(_plan(plan_id))

