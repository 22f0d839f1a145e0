"""What a teacher reads right after submitting: a refusal says so at once, with the reasons."""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...i18n import is_english
from ...models import HumanTask, TaskState, User
from ...titles import call_title
from ...workflow.outcomes import Link, Outcome
from ...workflow.task_forms import task_context
from .models import Application, ApplicationStatus
from .operations import DECLARATION_STEPS, PROCESS_ID


def after_declaration(user: User, task: HumanTask) -> Outcome | None:
    """An ineligible submission: no success, the reasons, and what to do (correct, or withdraw)."""
    if task.process_id != PROCESS_ID or task.task_name not in DECLARATION_STEPS:
        return None
    # The status alone first (a column, not the row): most declarations are eligible.
    status = db.session.scalar(select(Application.status).filter_by(instance_id=task.instance_id))
    if status is not ApplicationStatus.ineligible:
        return None
    application = db.session.scalar(select(Application).filter_by(instance_id=task.instance_id))
    again = db.session.scalar(
        select(HumanTask).filter_by(instance_id=task.instance_id, state=TaskState.open, assignee_id=user.id)
        .order_by(HumanTask.id.desc()).limit(1)
    )
    english = is_english()
    reasons = []
    if again is not None:
        failures = task_context(current_app.extensions["workflow_engine"], again).get("eligibility") or []
        reasons = [str(f.get("reason_en" if english else "reason_zh") or f.get("rule") or "") for f in failures
                   if isinstance(f, dict)]
    links = [Link(url_for("self_application.mine"), _("Withdraw the application on “My applications”"))]
    if again is not None:
        links.insert(0, Link(url_for("workflow.task", task_id=again.id), _("Correct the declaration and submit again")))
    return Outcome(
        _("Not submitted: your application for %(title)s does not meet the conditions. You can correct it and "
          "submit it again, or withdraw it.", title=call_title(application.cycle, english=english)),
        tone="error", links=tuple(links), details=tuple(reasons),
        redirect=url_for("workflow.task", task_id=again.id) if again is not None else None,
    )


OUTCOMES = (after_declaration,)
