"""The plan's actions outside the diagram (quotas, nominations, matching, moves) go into its paper trail."""
from __future__ import annotations

from ...extensions import db
from ...models import AuditEvent, User
from .models import RotationPlan


def record(plan: RotationPlan, actor: User | None, action: str, comment: str, data: dict | None = None) -> None:
    """Append an event to the plan's instance history (shown on its instance page)."""
    if plan.instance_id is None:
        return
    db.session.add(AuditEvent(instance_id=plan.instance_id, actor_id=actor.id if actor else None, action=action,
                              comment=comment[:2000], data=data))
