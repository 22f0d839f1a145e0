"""The scheduled jobs: advance timers, scan for reminders, announce new steps, deliver e-mails."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from ..notifications.announcements import announce_new_tasks
from ..notifications.delivery import deliver_notifications
from ..notifications.reminders import scan_reminders
from ..workflow.timer_jobs import advance_due_timers
from .records import Lease
from .runner import JobSpec


def _advance_timers(now: datetime, lease: Lease) -> int:
    """Fire BPMN timers whose time has come."""
    return advance_due_timers(current_app.extensions["workflow_engine"], now, lease=lease)


def _scan_reminders(now: datetime, lease: Lease) -> int:
    """Write the reminders and escalations that are due."""
    return scan_reminders(now, lease=lease)


def _announce(now: datetime, lease: Lease) -> int:
    """Tell people, in one digest each, about steps newly assigned to them or waiting in their queue."""
    return announce_new_tasks(now, lease=lease)


def _deliver(now: datetime, lease: Lease) -> int:
    """Send pending notification e-mails, retrying failures with backoff."""
    return deliver_notifications(now, lease=lease)


JOBS = (
    JobSpec("advance_timers", _l("Advance due BPMN timers"), "SCHEDULER_TIMER_SECONDS", _advance_timers),
    JobSpec("scan_reminders", _l("Write due reminders and escalations"), "SCHEDULER_REMINDER_SECONDS", _scan_reminders),
    JobSpec("announce_tasks", _l("Write digests of new steps"), "SCHEDULER_REMINDER_SECONDS", _announce),
    JobSpec("deliver_notifications", _l("Send notification e-mails"), "SCHEDULER_DELIVERY_SECONDS", _deliver),
)


def all_jobs(app: Flask) -> tuple[JobSpec, ...]:
    """The common jobs and those the process packages declare (`Process.jobs`)."""
    return JOBS + tuple(app.extensions.get("process_jobs", ()))
