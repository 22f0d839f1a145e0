"""The service layer for processes: start, claim, save a draft, complete, cancel, fire timers.

Functions here only flush; the request (or job) that calls them commits or rolls back, so each
action is one transaction. Concurrent actions on one instance are serialised by the instance's
optimistic lock: the loser gets `Conflict` and nothing it did is kept.

Each advance of the engine runs within the EngineLimits budget (steps and seconds). A diagram
that fails (a script error, a runaway loop, a multi-instance task too large) never loses the
action that led to it: the instance is flagged `error` with a message for administrators, and
its id is noted in the session (STOPPED_INSTANCES) so the request can tell the user. That
machinery — the audit row as a completion's first write, the instance lock, the advance, the
flush — lives in `advance`.
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from flask_babel import gettext as _
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import null, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..definitions.form_sets import form_set_key
from ..engine.human_tasks import ready_user_task_ids
from ..engine.runtime import WorkflowEngine
from ..extensions import db
from ..models import HumanTask, InstanceStatus, Organisation, ProcessInstance, TaskState, User, utcnow
from ..core.errors import Conflict, NotFound
from .advance import advance, audit, enter_instance, flush_or_conflict, lock_instance, rows_kept_for_the_advance
from .permissions import can_act_on_task, can_release, can_view_instance, holds_task_role, may_reach_task


def start_instance(
    engine: WorkflowEngine,
    process_id: str,
    *,
    org: Organisation,
    actor: User | None,
    title: str,
    title_en: str | None = None,
    subject: User | None = None,
    data: dict | None = None,
    confidential: bool = False,
) -> ProcessInstance:
    """Start a process about `subject` inside `org` and run it to its first wait (`title_en`: its English title).

    The diagrams and forms in force for `org` apply (its own or its city's or province's published
    variant); the instance keeps both until an administrator moves it to a newer version.
    """
    engine = engine.for_organisation(org)
    version_id = engine.current_version_id(process_id)
    workflow = engine.new_workflow(process_id)
    workflow.get_tasks(state=SpiffState.READY)[0].data.update(data or {})
    instance = ProcessInstance(
        version_id=version_id,
        process_id=process_id,
        subject_user_id=subject.id if subject else None,
        org_id=org.id,
        org_path=org.path,
        title=title,
        title_en=title_en,
        started_by_id=actor.id if actor else None,
        state_json="{}",
        confidential=confidential,
        form_set=form_set_key(org.path),
    )
    db.session.add(instance)
    db.session.flush()
    audit(instance, actor, "started")
    with rows_kept_for_the_advance():
        advance(engine, instance, workflow, new=True)
    return instance


def get_visible_instance(user: User, instance_id: int) -> ProcessInstance:
    """The instance if the user may see it; otherwise NotFound (never reveal that it exists)."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or not can_view_instance(user, instance):
        raise NotFound(_("No such process instance."))
    return instance


def get_actionable_task(user: User, task_id: int) -> HumanTask:
    """The open task if the user may work on it.

    NotFound (the out-of-scope answer) when the task is not theirs to know of: on an instance
    they may not see, someone else's personal step, a step for a role they do not hold there.
    Conflict, truthfully, when it is closed, completed, or a colleague took it from the queue.
    """
    # The instance comes in the same query: every caller checks it and most complete the step.
    task = db.session.get(HumanTask, task_id, options=[joinedload(HumanTask.instance)])
    if task is None or not may_reach_task(user, task) or not can_view_instance(user, task.instance, task):
        raise NotFound(_("No such task."))
    if task.state is TaskState.cancelled:
        raise Conflict(_("This step has been closed: the process moved on (for example, its deadline passed)."))
    if task.state is not TaskState.open:
        raise Conflict(_("This step has already been completed by %(name)s.", name=_completer_name(task)))
    if not can_act_on_task(user, task):
        raise Conflict(_("Someone else has already taken this step."))
    return task


def claim_task(user: User, task: HumanTask) -> None:
    """Take a task from the role queue; exactly one of several simultaneous claims wins.

    Claiming a step that is already one's own (a personal step, or claimed before) changes nothing.
    """
    if task.assignee_id == user.id:
        return
    if task.personal or not holds_task_role(user, task):
        raise NotFound(_("No such task."))
    result = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.state == TaskState.open, HumanTask.assignee_id.is_(None),
               HumanTask.personal.is_(False))
        .values(assignee_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("Someone else has already taken this step."))
    # The UPDATE above is what the row now holds; no need to read it back.
    set_committed_value(task, "assignee_id", user.id)
    audit(task.instance_id, user, "claimed", task)


def unclaim_task(user: User, task: HumanTask) -> None:
    """Put a claimed task back into the role queue; a personal step never goes to a queue."""
    if task.personal:
        # Not an action that exists for this step: the same answer as for anything out of scope.
        raise NotFound(_("This step is assigned to you personally: it cannot be released to a queue."))
    if not can_release(user, task):
        raise Conflict(_("This step is not taken by you, so there is nothing to release."))
    task.assignee_id = None
    audit(task.instance, user, "unclaimed", task)
    db.session.flush()


def reassign_task(user: User, task: HumanTask, new_assignee: User | None, reason: str) -> None:
    """An overseer hands an assigned step to `new_assignee` (None: back to its queue), on record.

    The caller has checked the overseer's right and the new person (`reassignment`). A personal
    step's draft is its holder's own unfinished work and is not handed on. The instance's version
    is bumped, so a completion racing with this fails cleanly and exactly one of them happens.
    """
    previous = db.session.get(User, task.assignee_id) if task.assignee_id else None
    lock_instance(task.instance)
    values = {"assignee_id": new_assignee.id if new_assignee else None}
    if task.personal:
        values["draft_json"] = None
    result = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.state == TaskState.open, HumanTask.assignee_id == task.assignee_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("This step changed meanwhile (it was completed or taken). Reload and try again."))
    for key, value in values.items():
        set_committed_value(task, key, value)
    names = {"from": previous.display_name if previous else None, "to": new_assignee.display_name if new_assignee else None}
    audit(task.instance, user, "reassigned", task, data=names, comment=reason)
    db.session.flush()


def _check_assignment(user: User, task: HumanTask) -> None:
    """Refuse work on a step that is not the user's (the pages check first; callers of the
    service layer get the same answers)."""
    if task.assignee_id == user.id:
        return
    if task.personal or not holds_task_role(user, task):
        raise NotFound(_("No such task."))
    if task.assignee_id is not None:
        raise Conflict(_("Someone else has already taken this step."))


def save_draft(user: User, task: HumanTask, data: dict) -> None:
    """Keep unfinished form data on the task without completing it."""
    _check_assignment(user, task)
    task.draft_json = data
    if task.assignee_id is None:
        claim_task(user, task)
    db.session.flush()


def complete_task(
    engine: WorkflowEngine,
    user: User,
    task: HumanTask,
    data: dict,
    form_keys: tuple[str, ...] = (),
    workflow=None,
) -> ProcessInstance:
    """Complete a READY user task with validated form data and run the process to its next wait.

    `workflow` may be passed in when the caller already restored this instance in this transaction.
    """
    instance = task.instance
    _check_assignment(user, task)
    if instance.status is not InstanceStatus.running:
        raise Conflict(_("This process is no longer running."))
    workflow = workflow or engine.restore(instance)
    spiff_task = workflow.get_task_from_id(UUID(task.bpmn_task_id))
    # task.run() does not check state itself: a completed task would run twice.
    if spiff_task is None or spiff_task.state != SpiffState.READY:
        raise Conflict(_("This step is no longer waiting for input."))
    # The inbox rows mirror the READY user tasks as last stored: what is READY now is what has
    # an open row, so the advance can tell new and finished steps apart without reading them.
    open_before = ready_user_task_ids(workflow)
    # The audit row is the completion's first write: see `enter_instance` for what it also does.
    enter_instance(instance, user, task, data=None if task.secret_handler else data)
    with rows_kept_for_the_advance():
        if task.secret_handler:
            # A secret ballot: the handler counts it; the answers are kept nowhere else.
            engine.registry.handler(task.secret_handler).func(context=spiff_task.data, user_id=user.id, answers=data)
            data = None
        else:
            for key in form_keys:
                # A field left empty this time must not keep the value from an earlier round.
                spiff_task.data.pop(key, None)
            spiff_task.task_spec.add_data_from_form(spiff_task, data)
        now = utcnow()
        close_task_row(task, user, now)
        # Running the user's task may already expand what follows (a multi-instance task), so it
        # runs under the same error handling as the engine steps after it.
        advance(engine, instance, workflow, now, first=spiff_task.run, open_before=open_before - {task.bpmn_task_id})
    return instance


def close_task_row(task: HumanTask, user: User, now: datetime) -> None:
    """The completed step's inbox row, in one Core UPDATE (the ORM's copy learns it without a flush)."""
    values = {
        "state": TaskState.completed, "completed_dt": now, "completed_by_id": user.id,
        "assignee_id": task.assignee_id or user.id,
        "reminder_dt": None,  # in the same UPDATE: the reminder scan has nothing left to drop
    }
    table = HumanTask.__table__
    # SQL NULL for the draft, not the JSON value null that None would bind to.
    db.session.connection().execute(update(table).where(table.c.id == task.id).values(**values, draft_json=null()))
    for key, value in values.items():
        set_committed_value(task, key, value)
    set_committed_value(task, "draft_json", None)


def cancel_instance(
    engine: WorkflowEngine, user: User | None, instance: ProcessInstance, action: str, comment: str | None = None
) -> None:
    """Stop an instance (withdrawal, cancellation): its open tasks leave every inbox."""
    if instance.status is not InstanceStatus.running:
        raise Conflict(_("This process is no longer running."))
    workflow = engine.restore(instance)
    lock_instance(instance)
    workflow.cancel()
    now = utcnow()
    instance.status = InstanceStatus.cancelled
    instance.completed_dt = now
    engine.store(instance, workflow, now)
    instance.next_timer_dt = None
    for row in db.session.scalars(select(HumanTask).filter_by(instance_id=instance.id, state=TaskState.open)):
        row.state = TaskState.cancelled
        row.completed_dt = now
    audit(instance, user, action, comment=comment)
    flush_or_conflict()


def fire_due_timers(
    engine: WorkflowEngine, instance: ProcessInstance, now: datetime | None = None, claimed: bool = False
) -> None:
    """Fire the instance's timers that are due and run the process on.

    `claimed`: the caller already holds the instance's row (the scheduler's SKIP LOCKED claim),
    so `lock_instance` (its `FOR UPDATE` and version bump) is not needed; the optimistic lock
    still checks the final save.
    """
    workflow = engine.restore(instance)
    open_before = ready_user_task_ids(workflow)
    if not claimed:
        lock_instance(instance)
    audit(instance, None, "timer")
    with rows_kept_for_the_advance():
        advance(engine, instance, workflow, now, first=workflow.refresh_timers, open_before=open_before)


def _completer_name(task: HumanTask) -> str:
    """Display name of whoever completed the task (for the 'already done' message)."""
    user = db.session.get(User, task.completed_by_id) if task.completed_by_id else None
    return user.display_name if user else _("the process")
