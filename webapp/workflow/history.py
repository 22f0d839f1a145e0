"""The paper trail read back: the answers given at an instance's earlier steps."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent


def latest_answers(instance_id: int, steps: Iterable[str]) -> tuple[str | None, dict | None]:
    """Form file and answers of the latest completion of any of `steps` (diagram ids) on an instance."""
    event = db.session.execute(
        select(AuditEvent.form_file, AuditEvent.data)
        .where(AuditEvent.instance_id == instance_id, AuditEvent.action == "completed",
               AuditEvent.task_name.in_(list(steps)))
        .order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return (event.form_file, event.data) if event is not None else (None, None)
