"""Advance BPMN timers that are due: an indexed query, then one transaction per instance."""
from __future__ import annotations

import logging
from datetime import datetime

from ..engine.runtime import WorkflowEngine
from ..extensions import db
from ..models import InstanceStatus, ProcessInstance, utcnow
from .errors import Conflict
from .operations import due_timer_instance_ids, fire_due_timers

log = logging.getLogger(__name__)


def advance_due_timers(engine: WorkflowEngine, now: datetime | None = None, batch: int = 500) -> int:
    """Fire due timers instance by instance, committing each; return how many instances advanced."""
    now = now or utcnow()
    advanced = 0
    for instance_id in due_timer_instance_ids(now, limit=batch):
        try:
            instance = db.session.get(ProcessInstance, instance_id)
            if instance is None or instance.status is not InstanceStatus.running:
                continue
            if instance.next_timer_dt is None or instance.next_timer_dt > now:
                continue  # someone advanced it meanwhile
            fire_due_timers(engine, instance, now)
            db.session.commit()
            advanced += 1
        except Conflict:
            db.session.rollback()  # a user acted on it at the same moment; the next run picks it up
        except Exception:
            db.session.rollback()
            log.exception("advancing timers of instance %s failed", instance_id)
    return advanced
