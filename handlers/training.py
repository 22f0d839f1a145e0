"""Handlers for the training period (workflows/training.bpmn).

The grids (plan, attendance, practice, scores) are worked on the training's own pages; each stage's
step is finished from its panel, which reaches the `finish_*` handlers through the engine's
`secretHandler`: a stage that is not ready is refused with its reason and nothing changes.
The rules come from `workflows/training_rules.dmn`.
"""
from __future__ import annotations

from webapp.extensions import db
from webapp.processes.training import assessment, attendance, opening, plan, practice
from webapp.processes.training.models import TrainingCohort

from . import handler


def _cohort(cohort_id) -> TrainingCohort:
    row = db.session.get(TrainingCohort, int(cohort_id))
    if row is None:
        raise LookupError(f"training cohort {cohort_id} does not exist")
    return row


@handler("apply_training_rules", "Keep the training's local rules (default weights, attendance threshold and rule, pass line).")
def apply_training_rules(cohort_id, rules: dict) -> bool:
    """Store the rules on the cohort; the plan may change the weights, never to a sum other than 100."""
    opening.apply_rules(_cohort(cohort_id), rules)
    return True


@handler("finish_training_plan", "End the planning once the plan is valid (called by the service layer).")
def finish_training_plan(context: dict, user_id: int, answers: dict) -> None:
    plan.plan_finished(_cohort(context["cohort_id"]))


@handler("finish_centralised", "End the centralised training: apply the attendance threshold (called by the service layer).")
def finish_centralised(context: dict, user_id: int, answers: dict) -> None:
    attendance.apply_attendance_rule(_cohort(context["cohort_id"]))


@handler("finish_practice", "End the decentralised practice (called by the service layer).")
def finish_practice(context: dict, user_id: int, answers: dict) -> None:
    practice.practice_finished(_cohort(context["cohort_id"]))


@handler("finish_assessment", "Weighted totals and elimination under the pass line (called by the service layer).")
def finish_assessment(context: dict, user_id: int, answers: dict) -> None:
    assessment.finish_assessment(_cohort(context["cohort_id"]))
