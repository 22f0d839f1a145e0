"""Task-page panel of an objection: what is objected to, by whom, with which files."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from ...extensions import db
from ...models import Evidence, EvidenceLink, HumanTask
from .models import Objection


def objection(task: HumanTask, context: dict) -> Markup:
    """The objection, its objector (seen only here, by the investigating administrator) and files."""
    row = db.session.get(Objection, int(context.get("objection_id", 0)))
    if row is None:
        return Markup("")
    files = db.session.scalars(
        select(Evidence).join(EvidenceLink, EvidenceLink.evidence_id == Evidence.id)
        .where(EvidenceLink.instance_id == task.instance_id).order_by(Evidence.id)
    ).all()
    return Markup(render_template("objection/_objection_panel.html", objection=row, files=files))


PANELS = {"objection": objection}
