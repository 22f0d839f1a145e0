"""What the school administrator reads after a step: the vote to open next, a report that went through or not."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...i18n import is_english
from ...models import HumanTask, TaskState, User
from ...workflow.outcomes import Link, Outcome, next_task_of_kind
from ..self_application.models import Application
from .models import RoundStatus, VoteRound
from .operations import admin_schools, ready_to_vote


def after_last_review(user: User, task: HumanTask) -> Outcome | None:
    """After the last application of a school is reviewed: the next thing to do is to open the vote."""
    if (task.process_id, task.task_name) != ("self_application", "school_review"):
        return None
    if next_task_of_kind(user, task) is not None:
        return None  # more to review: the generic outcome links the next one
    application = db.session.scalar(select(Application).filter_by(instance_id=task.instance_id))
    school = next((s for s in admin_schools(user) if application is not None and s.id == application.school_id), None)
    if school is None or not ready_to_vote(school):
        return None
    return Outcome(
        _("Submitted: %(step)s. All applications are reviewed: the next step is to open the vote.",
          step=task.display_title(is_english())),
        links=(Link(url_for("school_vote.index", _anchor=f"school-{school.id}"), _("Open the vote on “Vote and notice”")),
               Link(url_for("workflow.instance", instance_id=task.instance_id), _("Where it stands"))),
        redirect=url_for("school_vote.index", _anchor=f"school-{school.id}"),
    )


def after_report(user: User, task: HumanTask) -> Outcome | None:
    """The report went to the county, or it waits for open objections (and says which)."""
    if (task.process_id, task.task_name) != ("school_vote", "report_to_county"):
        return None
    round_ = db.session.scalar(select(VoteRound).filter_by(instance_id=task.instance_id))
    if round_ is None:
        return None
    if round_.status is RoundStatus.reported:
        return Outcome(
            _("Reported: the county office now finds the list under “Schools' recommended lists”."),
            links=(Link(url_for("school_vote.round_page", round_id=round_.id), _("Open the public notice")),),
            redirect=url_for("school_vote.round_page", round_id=round_.id),
        )
    again = db.session.scalar(select(HumanTask).filter_by(instance_id=task.instance_id, task_name=task.task_name,
                                                          state=TaskState.open).limit(1))
    investigations = db.session.scalars(
        select(HumanTask).where(HumanTask.process_id == "objection", HumanTask.task_name == "investigate",
                                HumanTask.state == TaskState.open, HumanTask.org_id == round_.school_id)
        .order_by(HumanTask.id)
    ).all()
    english = is_english()
    links = [Link(url_for("workflow.task", task_id=t.id), f"{t.display_title(english)}: {t.display_subject(english)}")
             for t in investigations]
    return Outcome(
        _("Not reported yet: objections to this notice are still open. Resolve them, then report again."),
        tone="error", links=tuple(links),
        redirect=url_for("workflow.task", task_id=again.id) if again is not None else None,
    )


OUTCOMES = (after_last_review, after_report)
