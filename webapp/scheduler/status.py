"""What the admin page shows about the scheduler: jobs, recent failures, the e-mail queue."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import EmailState, Notification, SchedulerFailure, SchedulerJob, utcnow
from ..notifications.mailer import SmtpSettings
from .jobs import all_jobs


@dataclass(frozen=True)
class JobStatus:
    """One job as the page lists it."""

    name: str
    label: str
    interval_seconds: int
    row: SchedulerJob | None

    def is_recent(self, now: datetime) -> bool:
        """True if some scheduler started this job within three of its intervals."""
        return (
            self.row is not None
            and self.row.last_started_dt is not None
            and now - self.row.last_started_dt < timedelta(seconds=3 * self.interval_seconds + 60)
        )


def job_statuses() -> list[JobStatus]:
    """Every job, with what the database knows of its runs."""
    rows = {row.name: row for row in db.session.scalars(select(SchedulerJob))}
    return [
        JobStatus(spec.name, str(spec.label), spec.interval(current_app), rows.get(spec.name)) for spec in all_jobs(current_app)
    ]


def recent_failures(limit: int = 20) -> list[SchedulerFailure]:
    """The latest failures, newest first."""
    return list(
        db.session.scalars(select(SchedulerFailure).order_by(SchedulerFailure.id.desc()).limit(limit))
    )


def email_counts() -> dict[str, int]:
    """How many notification e-mails are in each state."""
    counts = {state.value: 0 for state in EmailState}
    rows = db.session.execute(
        select(Notification.email_state, func.count(Notification.id)).group_by(Notification.email_state)
    )
    for state, count in rows:
        counts[state.value] = int(count)
    return counts


def smtp_configured() -> bool:
    """True when an SMTP host is configured."""
    return SmtpSettings.from_config(current_app.config) is not None


def overview() -> dict:
    """Everything the scheduler page shows."""
    now = utcnow()
    jobs = job_statuses()
    source = current_app.extensions["reminder_policy"]
    source.current()
    events = current_app.extensions["event_policy"]
    events.current()
    return {
        "now": now,
        "jobs": jobs,
        "running": any(job.is_recent(now) for job in jobs),
        "failures": recent_failures(),
        "emails": email_counts(),
        "smtp": smtp_configured(),
        "policy_path": source.path,
        "policy_errors": source.errors,
        "event_policy_path": events.path,
        "event_policy_errors": events.errors,
    }


def retry_failed_emails() -> int:
    """Put every failed e-mail back in the queue with a fresh set of attempts; return how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.email_state == EmailState.failed)
        .values(email_state=EmailState.pending, email_attempts=0, email_next_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
