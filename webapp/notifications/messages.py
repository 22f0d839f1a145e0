"""What a notification says, in the reader's language: one line in-app, a whole e-mail by mail."""
from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date, parseaddr

from flask import current_app
from flask_babel import force_locale, format_datetime, gettext as _, lazy_gettext as _l

from ..extensions import db
from ..models import HumanTask, Notification, NotificationKind, TaskState, User, utcnow
from .event_messages import EVENT_LABELS, SERIOUS, event_path, event_subject, event_text
from .events import app_path
from .mailer import SmtpSettings

KIND_LABELS = {
    NotificationKind.due_soon: _l("Due soon"),
    NotificationKind.due: _l("Due now"),
    NotificationKind.overdue: _l("Overdue"),
    NotificationKind.escalation: _l("Escalated"),
}


def kind_label(kind: NotificationKind) -> str:
    """The kind of notification in the current language."""
    return str(KIND_LABELS.get(kind) or EVENT_LABELS[kind])


def is_serious(note: Notification) -> bool:
    """Overdue steps, escalations and bad news are marked so that they are not overlooked."""
    return note.kind in (NotificationKind.overdue, NotificationKind.escalation) or note.kind in SERIOUS


def _facts(task: HumanTask, english: bool) -> dict:
    """The values every message about `task` is built from."""
    return {
        "step": task.display_title(english),
        "subject": task.display_subject(english) or task.instance.display_title(english),
        "due": format_datetime(task.due_dt, "yyyy-MM-dd HH:mm") if task.due_dt else "—",
        "org": task.organisation.name,
        "who": task_holder(task),
    }


def task_holder(task: HumanTask) -> str:
    """Who the step is waiting for: the assignee's name, or the role that may claim it."""
    assignee = db.session.get(User, task.assignee_id) if task.assignee_id is not None else None
    return assignee.display_name if assignee is not None else task.role.label


def notification_text(note: Notification, english: bool) -> str:
    """One sentence saying what the notification is about (current language)."""
    if note.is_event:
        return event_text(note, english)
    facts = _facts(note.task, english)
    if note.kind is NotificationKind.due_soon:
        return _("“%(step)s” for %(subject)s is due on %(due)s.", **facts)
    if note.kind is NotificationKind.due:
        return _("“%(step)s” for %(subject)s is due now (%(due)s).", **facts)
    if note.kind is NotificationKind.overdue:
        return _("“%(step)s” for %(subject)s was due on %(due)s and is overdue.", **facts)
    return _(
        "“%(step)s” for %(subject)s at %(org)s was due on %(due)s and is still waiting for %(who)s.", **facts
    )


def _subject_line(note: Notification, facts: dict) -> str:
    """The e-mail's subject (current language)."""
    if note.kind is NotificationKind.escalation:
        return _("[Escalation] %(step)s — %(subject)s", **facts)
    if note.kind is NotificationKind.overdue:
        return _("[Overdue] %(step)s — %(subject)s", **facts)
    return _("[Reminder] %(step)s — %(subject)s", **facts)


def target_path(note: Notification) -> str:
    """Where the recipient acts (a path): the task; the instance for a supervisor or once the step
    is done; for an event, where the event leads."""
    if note.is_event:
        return event_path(note)
    if note.kind is NotificationKind.escalation or note.task.state is not TaskState.open:
        return app_path("workflow.instance", instance_id=note.task.instance_id)
    return app_path("workflow.task", task_id=note.task_id)


def link_for(note: Notification) -> str:
    """Absolute link (under BASE_URL, which may include a path prefix) to where the recipient acts."""
    return current_app.config["BASE_URL"].rstrip("/") + target_path(note)


def recipient_locale(user: User) -> str:
    """The language the recipient reads (their choice, else the site's default)."""
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def compose_email(note: Notification, settings: SmtpSettings) -> EmailMessage:
    """The e-mail for one notification, in the recipient's language, with a link to act on it."""
    user = note.user
    locale = recipient_locale(user)
    with force_locale(locale):
        english = locale.startswith("en")
        facts = None if note.is_event else _facts(note.task, english)
        body = current_app.jinja_env.get_template("notifications/email.txt").render(
            user=user,
            sentence=notification_text(note, english),
            facts=facts,
            link=link_for(note),
            kind=kind_label(note.kind),
            escalation=note.kind is NotificationKind.escalation,
            centre=_centre_link(),
        )
        subject = event_subject(note, english) if note.is_event else _subject_line(note, facts)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = Address(display_name=user.display_name, addr_spec=user.email)
    message["Date"] = rfc2822_date(utcnow())
    message["Message-ID"] = f"<notification-{note.id}@{_domain(settings.sender)}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    message["Content-Language"] = "en" if locale.startswith("en") else "zh-CN"  # after set_content, which clears it
    return message


def _centre_link() -> str:
    """Absolute link to the notification centre."""
    return current_app.config["BASE_URL"].rstrip("/") + app_path("notifications.index")


def _domain(sender: str) -> str:
    """The domain of the sender address, for Message-IDs."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"
