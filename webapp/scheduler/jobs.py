"""The scheduled jobs: advance timers, scan for reminders, deliver e-mails."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from ..notifications.delivery import deliver_notifications
from ..notifications.reminders import scan_reminders
from ..workflow.timer_jobs import advance_due_timers
from .records import Lease
from .runner import LABELS, JobSpec


def _advance_timers(now: datetime, lease: Lease) -> int:
    """Fire BPMN timers whose time has come."""
    return advance_due_timers(current_app.extensions["workflow_engine"], now, lease=lease)


def _scan_reminders(now: datetime, lease: Lease) -> int:
    """Write the reminders and escalations that are due."""
    return scan_reminders(now, lease=lease)


def _deliver(now: datetime, lease: Lease) -> int:
    """Send pending notification e-mails, retrying failures with backoff."""
    return deliver_notifications(now, lease=lease)


JOBS = (
    JobSpec("advance_timers", LABELS["advance_timers"], "SCHEDULER_TIMER_SECONDS", _advance_timers),
    JobSpec("scan_reminders", LABELS["scan_reminders"], "SCHEDULER_REMINDER_SECONDS", _scan_reminders),
    JobSpec("deliver_notifications", LABELS["deliver_notifications"], "SCHEDULER_DELIVERY_SECONDS", _deliver),
)
