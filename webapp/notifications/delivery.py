"""Deliver notification e-mails: claim one at a time through the database, retry failures with backoff.

A notification is claimed (state `sending`, committed) before its e-mail leaves and marked
`sent` right after, so two schedulers never send the same one. Known failures (server down,
refused) are retried after 1, 2, 4, … times `NOTIFICATION_RETRY_SECONDS`, up to
`NOTIFICATION_MAX_ATTEMPTS`. A claim that outlives its deadline (the process died while
sending) is not retried: it may have left already, and "never twice" wins; the admin page
shows it as failed.
"""
from __future__ import annotations

import logging
import smtplib
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import EmailState, Notification, TaskState, utcnow
from ..scheduler.records import record_failure
from .mailer import Mailer, SmtpSettings
from .messages import compose_email

log = logging.getLogger(__name__)

JOB_NAME = "deliver_notifications"
MAX_BACKOFF = timedelta(hours=6)


def deliver_notifications(now: datetime | None = None, limit: int = 200, lease=None) -> int:
    """Send the e-mails that are due; return how many were sent."""
    now = now or utcnow()
    settings = SmtpSettings.from_config(current_app.config)
    if settings is None:
        _mark_pending_skipped("SMTP is not configured: in-app only")
        return 0
    _give_up_interrupted(now)
    mailer = Mailer(settings)
    deadline = time.monotonic() + float(current_app.config["SCHEDULER_JOB_BUDGET_SECONDS"])
    sent = failures = 0
    last_error = None
    try:
        for _ in range(limit):
            if time.monotonic() > deadline:
                break
            if lease is not None:
                lease.renew()
            note = _claim_next(now, settings)
            if note is None:
                break
            delivered, error = _send(note, mailer, settings, now)
            sent += delivered
            if error is not None:
                failures, last_error = failures + 1, error
    finally:
        mailer.close()
    if failures:
        record_failure(JOB_NAME, f"{failures} e-mail(s) not sent, will retry", last_error)
    return sent


def _claim_next(now: datetime, settings: SmtpSettings) -> Notification | None:
    """Take the next due e-mail for this scheduler and commit the claim; None when none is left."""
    note_id = db.session.scalar(
        select(Notification.id)
        .where(Notification.email_state == EmailState.pending, Notification.email_next_dt <= now)
        .order_by(Notification.email_next_dt, Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if note_id is None:
        db.session.commit()
        return None
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == note_id, Notification.email_state == EmailState.pending)
        .values(
            email_state=EmailState.sending,
            email_attempts=Notification.email_attempts + 1,
            email_next_dt=now + timedelta(seconds=settings.timeout * 3 + 60),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return db.session.get(Notification, note_id) if claimed == 1 else _claim_next(now, settings)


def _send(note: Notification, mailer: Mailer, settings: SmtpSettings, now: datetime) -> tuple[bool, str | None]:
    """Send one claimed notification and record the outcome; return (sent?, error text if it failed)."""
    skip_reason = _reason_to_skip(note)
    if skip_reason:
        _finish(note, EmailState.skipped, error=skip_reason)
        return False, None
    try:
        mailer.send(compose_email(note, settings))
    except (smtplib.SMTPException, OSError) as error:
        return False, _retry_later(note, now, f"{type(error).__name__}: {error}")
    except Exception as error:  # a bug in composing: keep the reason, retry like any failure
        log.exception("composing notification %s failed", note.id)
        return False, _retry_later(note, now, f"{type(error).__name__}: {error}")
    _finish(note, EmailState.sent, sent=utcnow())
    return True, None


def _reason_to_skip(note: Notification) -> str | None:
    """Why this e-mail need not be sent (the in-app copy stays either way)."""
    if not note.user.email:
        return "the recipient has no e-mail address"
    if not note.user.is_active:
        return "the recipient's account is deactivated"
    if not note.user.notify_by_email:
        return "the recipient chose to be notified in the app only"
    if note.task is not None and note.task.state is not TaskState.open:
        return "the step was done before the e-mail left"
    return None


def _retry_later(note: Notification, now: datetime, error: str) -> str:
    """Put the e-mail back with backoff, or give up after the last attempt."""
    db.session.rollback()
    attempts = note.email_attempts
    if attempts >= int(current_app.config["NOTIFICATION_MAX_ATTEMPTS"]):
        _finish(note, EmailState.failed, error=error)
        return error
    base = timedelta(seconds=float(current_app.config["NOTIFICATION_RETRY_SECONDS"]))
    delay = min(base * (2 ** (attempts - 1)), MAX_BACKOFF)
    log.warning("e-mail for notification %s failed (attempt %s), retry in %s: %s", note.id, attempts, delay, error)
    _finish(note, EmailState.pending, error=error, next_dt=now + delay)
    return error


def _finish(note: Notification, state: EmailState, *, error: str | None = None, sent: datetime | None = None,
            next_dt: datetime | None = None) -> None:
    """Record where the e-mail stands now (own transaction)."""
    db.session.execute(
        update(Notification)
        .where(Notification.id == note.id, Notification.email_state == EmailState.sending)
        .values(email_state=state, email_error=(error or "")[:1000] or None, email_sent_dt=sent, email_next_dt=next_dt)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _give_up_interrupted(now: datetime) -> None:
    """Claims whose deadline passed: the sender died mid-way; do not risk sending twice."""
    db.session.execute(
        update(Notification)
        .where(Notification.email_state == EmailState.sending, Notification.email_next_dt < now)
        .values(email_state=EmailState.failed, email_error="interrupted while sending; not retried so that it is never sent twice")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _mark_pending_skipped(reason: str) -> None:
    """Without SMTP every notification stays in-app only."""
    db.session.execute(
        update(Notification)
        .where(Notification.email_state == EmailState.pending)
        .values(email_state=EmailState.skipped, email_error=reason, email_next_dt=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
