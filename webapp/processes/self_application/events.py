"""Events of the self-application told to the teacher: returned for correction, refused as ineligible."""
from __future__ import annotations

from sqlalchemy import func, select

from ...extensions import db
from ...models import AuditEvent, NotificationKind
from ...notifications.events import notify_event
from ...titles import call_title
from .models import Application, ApplicationStatus

KINDS = {ApplicationStatus.returned: NotificationKind.returned, ApplicationStatus.ineligible: NotificationKind.ineligible}


def application_event(application: Application, status: ApplicationStatus, comment: str | None = None,
                      reasons: list | None = None) -> None:
    """Tell the teacher their application was returned or refused, with the comment or the reasons."""
    kind = KINDS.get(status)
    if kind is None or application.instance_id is None:
        return
    # Each return or refusal follows its own completed step: the count of the paper trail tells them apart.
    steps = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.instance_id == application.instance_id))
    params = {"title": call_title(application.cycle, english=False), "title_en": call_title(application.cycle, english=True)}
    if kind is NotificationKind.returned:
        params["comment"] = (comment or "")[:1000]
    else:
        failures = [r for r in reasons or [] if isinstance(r, dict)]
        params["reasons_zh"] = [str(r.get("reason_zh") or r.get("rule") or "") for r in failures]
        params["reasons_en"] = [str(r.get("reason_en") or r.get("rule") or "") for r in failures]
    notify_event(kind, [application.teacher_id], key=f"application:{application.id}:{status.value}:{steps}",
                 instance=application.instance_id, params=params)
