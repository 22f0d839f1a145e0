"""What an event notification says, in the reader's language, and where it leads.

The parameters were stored when the event happened (names, titles in both languages, reasons),
so the message reads the same however the process moves on afterwards.
"""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..i18n import format_deadline, join_list, parenthesised
from ..models import HumanTask, Notification, NotificationKind, TaskState
from .events import app_path

EVENT_LABELS = {
    NotificationKind.new_tasks: _l("New steps"),
    NotificationKind.returned: _l("Returned"),
    NotificationKind.ineligible: _l("Not eligible"),
    NotificationKind.ballot_issued: _l("Ballot"),
    NotificationKind.objection_reply: _l("Objection answered"),
    NotificationKind.list_reported: _l("List reported"),
    NotificationKind.recommended: _l("Recommended"),
    NotificationKind.not_recommended: _l("Not recommended"),
    NotificationKind.removed: _l("Removed from the list"),
    NotificationKind.title_notice: _l("Title"),
    NotificationKind.report_due: _l("List to report"),
    NotificationKind.deactivated: _l("User deactivated"),
    NotificationKind.training_notice: _l("Training"),
    NotificationKind.conferred: _l("Title conferred"),
}
# Events the reader should not overlook (shown like overdue reminders).
SERIOUS = {NotificationKind.ineligible, NotificationKind.returned, NotificationKind.removed,
           NotificationKind.not_recommended}


def _pick(params: dict, key: str, english: bool) -> str:
    """A parameter in the reader's language (`key_en` for English when it was stored)."""
    if english and params.get(f"{key}_en"):
        return str(params[f"{key}_en"])
    return str(params.get(key) or "")


def _steps(params: dict, english: bool) -> str:
    """The steps of a digest: 'School review (张三 · …)', at most the listed ones, then '…'."""
    steps = params.get("steps") or []
    names = [_pick(step, "title", english) + (parenthesised(_pick(step, "subject", english), english)
                                              if step.get("subject") else "") for step in steps]
    more = int(params.get("count") or len(steps)) > len(steps)
    return join_list(names, english) + ("…" if more else "")


def event_text(note: Notification, english: bool) -> str:
    """One sentence saying what happened (current language)."""
    p = note.params or {}
    title = _pick(p, "title", english)
    kind = note.kind
    if kind is NotificationKind.new_tasks:
        return _("%(count)d new step(s) waiting for you: %(steps)s.", count=int(p.get("count") or 0),
                 steps=_steps(p, english))
    if kind is NotificationKind.returned:
        return _("Your application for %(title)s was returned for correction: %(comment)s", title=title,
                 comment=p.get("comment") or "—")
    if kind is NotificationKind.ineligible:
        reasons = join_list(p.get("reasons_en" if english else "reasons_zh") or [], english)
        return _("Your application for %(title)s does not meet the conditions: %(reasons)s. Correct it and "
                 "submit it again, or withdraw it.", title=title, reasons=reasons)
    if kind is NotificationKind.ballot_issued:
        return _("You have a secret ballot to cast: %(title)s, %(school)s. Voting closes %(deadline)s.",
                 title=title, school=p.get("school", ""), deadline=format_deadline(p.get("deadline"), english))
    if kind is NotificationKind.objection_reply:
        decision = _("upheld") if p.get("decision") == "upheld" else _("dismissed")
        return _("Your objection concerning %(name)s was %(decision)s. Reply: %(reply)s", name=p.get("candidate", ""),
                 decision=decision, reply=p.get("reply") or "—")
    if kind is NotificationKind.list_reported:
        return _("%(school)s reported its recommended list for %(title)s to the county: %(names)s.",
                 school=p.get("school", ""), title=title, names=join_list(p.get("names") or [], english) or "—")
    if kind is NotificationKind.recommended:
        return _("You are recommended for %(title)s by %(school)s; the list is on public notice until %(end)s.",
                 title=title, school=p.get("school", ""), end=format_deadline(p.get("notice_end"), english))
    if kind in (NotificationKind.title_notice, NotificationKind.training_notice, NotificationKind.conferred):
        return _pick(p, "message", english)
    if kind is NotificationKind.not_recommended:
        return _("The vote of %(school)s did not recommend you for %(title)s.", school=p.get("school", ""), title=title)
    if kind is NotificationKind.report_due:
        if p.get("empty"):
            return _("No school reported a list for %(title)s by the deadline, so the review did not open. Open it "
                     "by hand once lists are reported.", title=title)
        return _("%(school)s has not reported its recommended list for %(title)s yet. The reporting deadline is "
                 "%(deadline)s; then %(office)s opens the review with the lists reported.", school=p.get("school", ""),
                 title=title, deadline=format_deadline(p.get("deadline"), english), office=p.get("office", ""))
    if kind is NotificationKind.deactivated:
        return _("%(name)s was deactivated (%(reason)s): %(returned)d open step(s) went back to their queues, "
                 "%(personal)d personal step(s) need reassigning.", name=p.get("name", ""), reason=p.get("reason") or "—",
                 returned=int(p.get("returned") or 0), personal=int(p.get("personal") or 0))
    return _("You were removed from the recommended list for %(title)s of %(school)s after an objection was upheld.",
             title=title, school=p.get("school", ""))


def event_subject(note: Notification, english: bool) -> str:
    """The e-mail subject of an event (current language)."""
    p = note.params or {}
    if note.kind is NotificationKind.new_tasks:
        return _("[New steps] %(count)d waiting for you", count=int(p.get("count") or 0))
    return _("[%(kind)s] %(title)s", kind=EVENT_LABELS[note.kind], title=_pick(p, "title", english))


def event_path(note: Notification) -> str:
    """Where the reader goes: the stored link, else their open step on the instance, else the instance."""
    p = note.params or {}
    if p.get("link"):
        return str(p["link"])
    if note.instance_id is None:
        return app_path("notifications.index")
    task_id = db.session.scalar(
        select(HumanTask.id).where(HumanTask.instance_id == note.instance_id, HumanTask.state == TaskState.open,
                                   HumanTask.assignee_id == note.user_id).order_by(HumanTask.id).limit(1)
    )
    if task_id is not None:
        return app_path("workflow.task", task_id=task_id)
    return app_path("workflow.instance", instance_id=note.instance_id)
