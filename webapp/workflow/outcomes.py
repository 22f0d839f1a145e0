"""What a person is told right after completing a step: what happened, what comes next, a link to it.

Processes may know better than the generic answer (an ineligible application, the last review
before a vote): they register outcome providers (`Process.outcomes`), asked in order; the first
that answers wins. Otherwise the person reads which step is next and who it waits for, and gets a
link to their next step of the same kind when more are waiting (the next application to review).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app, flash, g, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from ..extensions import db
from ..i18n import in_language, is_english, join_list
from ..models import HumanTask, InstanceStatus, TaskState, User


@dataclass(frozen=True)
class Link:
    """A next action: where it is and what it says."""

    url: str
    label: str


@dataclass(frozen=True)
class Outcome:
    """The message shown after a step; `tone` is success, info or error; `redirect` where to land."""

    message: str
    tone: str = "success"
    links: tuple[Link, ...] = ()
    redirect: str | None = None
    details: tuple[str, ...] = field(default_factory=tuple)


OutcomeProvider = Callable[[User, HumanTask], "Outcome | None"]


def register_outcome(app: Flask, provider: OutcomeProvider) -> None:
    """Add a process's outcome provider (asked before the generic answer)."""
    app.extensions.setdefault("step_outcomes", []).append(provider)


def outcome_after(user: User, task: HumanTask) -> Outcome:
    """The outcome of `task`, which `user` has just completed."""
    for provider in current_app.extensions.get("step_outcomes", []):
        outcome = provider(user, task)
        if outcome is not None:
            return outcome
    return generic_outcome(user, task)


def generic_outcome(user: User, task: HumanTask) -> Outcome:
    """'Submitted' + where the instance stands now + the user's next step of the same kind, if any."""
    english = is_english()
    message = _("Submitted: %(step)s.", step=task.display_title(english))
    # An instance that is no longer running has no open steps (its rows were closed with it):
    # nothing to read. The ORM's copy of the instance holds the status the completion wrote.
    running = task.instance.status is InstanceStatus.running
    waiting = waiting_summary(task.instance_id, english) if running else ""
    if waiting:
        message += " " + _("Next: %(waiting)s.", waiting=waiting)
    elif task.instance.status is InstanceStatus.completed:
        message += " " + _("The process is complete.")
    links = []
    following = next_task_of_kind(user, task)
    if following is not None:
        links.append(Link(url_for("workflow.task", task_id=following.id),
                          _("Next: %(step)s for %(subject)s", step=following.display_title(english),
                            subject=following.display_subject(english))))
    links.append(Link(url_for("workflow.instance", instance_id=task.instance_id), _("Where it stands")))
    return Outcome(message, "success", tuple(links))


def waiting_summary(instance_id: int, english: bool) -> str:
    """'School review — waiting for School administrator' for each open step of the instance.

    What `instance_progress` says of the open steps (the step's title; the assignee's name, or
    the role that may claim it), read in one column-only query: the instance page needs the
    rows themselves (and a parallel step's done parts), the message after a step does not.
    """
    rows = db.session.execute(
        select(HumanTask.task_name, HumanTask.title, HumanTask.title_en, HumanTask.role, User.display_name)
        .outerjoin(User, User.id == HumanTask.assignee_id)
        .where(HumanTask.instance_id == instance_id, HumanTask.state == TaskState.open)
        .order_by(HumanTask.id)
    ).all()
    steps: dict[str, tuple[str, set[str]]] = {}
    for name, title, title_en, role, person in rows:
        label = in_language(title, title_en, english)
        steps.setdefault(name, (label, set()))[1].add(person or role.label)
    return join_list([_("%(step)s — waiting for %(who)s", step=label, who=join_list(sorted(who), english))
                      for label, who in steps.values()], english)


def next_task_of_kind(user: User, task: HumanTask) -> HumanTask | None:
    """The user's next open step of the same kind (assigned to them or claimable), soonest due first.

    Asked once per request: a process's provider and the generic answer may both want it.
    """
    asked = g.setdefault("next_task_of_kind", {})
    key = (user.id, task.id)
    if key not in asked:
        asked[key] = _next_task_of_kind(user, task)
    return asked[key]


def _next_task_of_kind(user: User, task: HumanTask) -> HumanTask | None:
    scopes = [and_(HumanTask.role == role, HumanTask.org_id == org.id) for role, org in user.role_scopes()]
    mine = HumanTask.assignee_id == user.id
    claimable = and_(HumanTask.assignee_id.is_(None), or_(*scopes)) if scopes else None
    return db.session.scalar(
        select(HumanTask).where(
            HumanTask.state == TaskState.open, HumanTask.process_id == task.process_id,
            HumanTask.task_name == task.task_name, HumanTask.id != task.id,
            mine if claimable is None else or_(mine, claimable),
        ).order_by(HumanTask.due_dt.is_(None), HumanTask.due_dt, HumanTask.created_dt, HumanTask.id).limit(1)
    )


def flash_outcome(outcome: Outcome) -> None:
    """Show the outcome on the next page (a structured flash message the base template renders)."""
    flash({"text": outcome.message, "details": list(outcome.details),
           "links": [{"url": link.url, "label": link.label} for link in outcome.links]}, outcome.tone)
