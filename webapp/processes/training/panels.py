"""Task-page panels of the training: where the stage stands, a link to its grid and the button that finishes it."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from ...extensions import db
from ...models import HumanTask
from .models import TrainingCohort


def _panel(stage: str):
    def render(task: HumanTask, context: dict) -> Markup:
        cohort = db.session.scalar(select(TrainingCohort).filter_by(instance_id=task.instance_id))
        return Markup(render_template("training/_stage_panel.html", task=task, cohort=cohort, stage=stage))
    return render


PANELS = {
    "training_plan": _panel("plan"),
    "training_attendance": _panel("attendance"),
    "training_practice": _panel("practice"),
    "training_assessment": _panel("assessment"),
}
