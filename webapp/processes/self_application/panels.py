"""Task-page panel of the school review: the facts the administrator must check."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from ...extensions import db
from ...models import HumanTask
from .facts import applicant_facts
from .models import Application


def applicant(task: HumanTask, context: dict) -> Markup:
    """Title applied for, age, professional title, years of teaching, annual assessments, counts."""
    application = db.session.scalar(select(Application).filter_by(instance_id=task.instance_id))
    if application is None or application.teacher.profile is None:
        return Markup("")
    facts = applicant_facts(application.teacher.profile, application.cycle.deadline_dt.date())
    return Markup(render_template("self_application/_applicant_panel.html", application=application, facts=facts))


PANELS = {"applicant_facts": applicant}
