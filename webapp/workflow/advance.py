"""How an action changes an instance, below the service functions of `operations`.

- `enter_instance`: a completion's audit row as its first write (it also orders the locks);
  `lock_instance`: take the instance's row and bump its version for actions that do not write
  its state, or before they run its engine;
- `advance`: run the engine within the EngineLimits budget, store the state and the inbox rows,
  flush (a stale copy → `InstanceChanged`); a diagram that fails flags the instance `error`
  (`stop_with_error`, with `error_text` for administrators) without losing the action;
- `rows_kept_for_the_advance`: rows the handlers load stay in the session during an advance;
- `audit`: append to an instance's paper trail.

Functions here only flush; the request or job commits.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime

from flask_babel import gettext as _
from SpiffWorkflow.exceptions import WorkflowException
from sqlalchemy import event, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..core.errors import STOPPED_INSTANCES, InstanceChanged
from ..engine.human_tasks import sync_human_tasks
from ..engine.limits import EngineBudget, EngineBudgetExceeded
from ..engine.runtime import WorkflowEngine
from ..extensions import db
from ..models import AuditEvent, HumanTask, InstanceStatus, ProcessInstance, User, utcnow

log = logging.getLogger(__name__)


def advance(
    engine: WorkflowEngine, instance: ProcessInstance, workflow, now: datetime | None = None, new: bool = False,
    first=None, open_before: set[str] | None = None,
) -> None:
    """Run `first` (the user's task, fired timers), then engine steps within the advance's budget;
    store state, inbox rows and errors; flush (a stale copy → Conflict).

    `new`: the instance was created in this transaction, so it has no inbox rows yet.
    `open_before`: the BPMN ids of the user tasks whose inbox rows are open (None: read them).
    """
    now = now or utcnow()
    budget = EngineBudget(engine.limits)
    try:
        if first is not None:
            first()
        workflow.do_engine_steps(did_complete_task=budget)
    except (WorkflowException, EngineBudgetExceeded) as error:
        if caused_by_database(error):
            raise  # not the diagram's fault: the whole request rolls back
        stop_with_error(instance, error)
    if new or instance.status is InstanceStatus.error or db.session.is_modified(instance):
        # A new instance, one flagged by the error above, or changed by a handler: the ORM writes it.
        engine.store(instance, workflow, now)
    else:
        write_state(instance, engine.state_values(instance, workflow, now), now)
    if instance.status is InstanceStatus.running or instance.status is InstanceStatus.completed:
        sync_human_tasks(instance, workflow, now, new=new, open_before=open_before)
    flush_or_conflict()


def write_state(instance: ProcessInstance, values: dict, now: datetime) -> None:
    """The instance's new state (`{}`: the version bump alone) in one version-checked Core UPDATE;
    the ORM's copy learns it without a flush. A concurrent action that saved first makes it match
    no row: `InstanceChanged`.

    This is the check `enter_instance` leaves to the end. The row's lock is taken here, after the
    handlers' writes, as the ORM's flush took it before.
    """
    table = ProcessInstance.__table__
    values = {**values, "updated_dt": now, "lock_version": instance.lock_version + 1}
    result = db.session.connection().execute(
        update(table).where(table.c.id == instance.id, table.c.lock_version == instance.lock_version).values(**values)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise instance_changed()
    for key, value in values.items():
        set_committed_value(instance, key, value)


def instance_changed() -> InstanceChanged:
    """What a person is told when a concurrent action on the same instance saved first."""
    return InstanceChanged(_("Someone else acted on this process at the same time. Reload and try again."))


def stop_with_error(instance: ProcessInstance, error: Exception) -> None:
    """Flag the instance: keep its state and the step that led here; tell administrators why."""
    log.warning("instance %s stopped with an error: %s", instance.id, error)
    instance.status = InstanceStatus.error
    instance.error_message = error_text(error)[:4000]
    audit(instance, None, "error", comment=instance.error_message)
    db.session.info.setdefault(STOPPED_INSTANCES, []).append(instance.id)


def error_text(error: Exception) -> str:
    """The error with the diagram element and line it came from, and the notes the sandbox adds."""
    task = getattr(error, "task", None)
    spec = getattr(task, "task_spec", None)
    where = f"[{spec.bpmn_id or spec.name} {spec.bpmn_name or ''}] ".replace(" ]", "]") if spec else ""
    if getattr(error, "line_number", None):
        where += f"line {error.line_number}: "
    notes = [note for note in getattr(error, "__notes__", []) if note not in str(error)]
    return "\n".join([where + str(error).strip(), *notes])


def enter_instance(instance: ProcessInstance, user: User, task: HumanTask, data: dict | None) -> None:
    """Write the completion's audit row now, as its first write (one Core INSERT, needed anyway).

    This replaces an early version bump (one more UPDATE per completion). The version is checked
    where the state is written, in the final UPDATE of the instance (the ORM's version column):
    a completion that lost a race does its work, then fails that check, rolls back and is told.
    The early bump also fixed the order of locks, and the audit row keeps that order: its foreign
    key makes PostgreSQL take a KEY SHARE lock on the instance's row before the handlers write
    anything (a ballot's counts, an application's status, inbox rows). That lock conflicts with
    the scheduler's `FOR UPDATE SKIP LOCKED` claim and with `lock_instance`'s `FOR UPDATE`: a
    timer closing the vote either holds the row first (the ballot waits here, holding nothing
    else, then fails the version check) or skips the instance until the next run. It does not
    conflict with another completion's final UPDATE, so parallel ballots still serialise on
    the version. On SQLite the first write takes the database's write lock, the same order.
    """
    table = AuditEvent.__table__
    db.session.connection().execute(insert(table).values(
        instance_id=instance.id, actor_id=user.id, action="completed", task_name=task.task_name,
        task_title=task.title, task_title_en=task.title_en, form_file=task.form_file, data=data, comment=None,
        created_dt=utcnow(),
    ))


def lock_instance(instance: ProcessInstance) -> None:
    """Take the instance's row and bump its version now, for actions that change an instance
    without writing its state (a reassignment) or before they run its engine (a cancellation, a
    timer fired outside the scheduler's claim): a concurrent completion fails cleanly.

    On PostgreSQL the row is taken `FOR UPDATE` first: that mode conflicts with the KEY SHARE
    lock a running completion holds through its audit row (`enter_instance`), so this waits
    for the completion (or the completion waits for this) instead of both holding rows the
    other needs. The UPDATE is version-checked; the ORM's copy learns the new version without a flush.
    """
    if instance.lock_version is None:  # created in this transaction: nobody else can see it
        return
    table = ProcessInstance.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection().execute(select(table.c.id).where(table.c.id == instance.id).with_for_update())
    write_state(instance, {}, utcnow())  # the version bump alone


# Rows the handlers load during an advance stay in the session's identity map until it ends.
# The identity map holds clean rows weakly, so without this every service task of a step read
# the same application or vote round again (one SELECT each).
_KEPT_ROWS = "rows_kept_for_the_advance"


@event.listens_for(Session, "loaded_as_persistent")
def _keep_loaded_row(session, instance) -> None:
    """Hold a strong reference to each row loaded while an advance runs (see `rows_kept_for_the_advance`)."""
    kept = session.info.get(_KEPT_ROWS)
    if kept is not None:
        kept.append(instance)


@contextmanager
def rows_kept_for_the_advance():
    """Keep every row loaded inside the block in the session until the block ends."""
    info = db.session.info
    outer = info.get(_KEPT_ROWS)
    if outer is None:
        info[_KEPT_ROWS] = []
    try:
        yield
    finally:
        if outer is None:
            info.pop(_KEPT_ROWS, None)


def caused_by_database(error: BaseException) -> bool:
    """True if a database error lies anywhere in the exception's chain."""
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, SQLAlchemyError):
            return True
        seen.add(id(current))
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    return False


def flush_or_conflict() -> None:
    """Flush; a concurrent update of the same instance turns into a Conflict."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise instance_changed() from None


def audit(instance: ProcessInstance | int, actor: User | None, action: str, task: HumanTask | None = None,
          data: dict | None = None, comment: str | None = None) -> None:
    """Append to the instance's paper trail (`instance`: the row or its id)."""
    db.session.add(
        AuditEvent(
            instance_id=instance if isinstance(instance, int) else instance.id,
            actor_id=actor.id if actor else None,
            action=action,
            task_name=task.task_name if task else None,
            task_title=task.title if task else None,
            task_title_en=task.title_en if task else None,
            form_file=task.form_file if task else None,
            data=data,
            comment=comment,
        )
    )
