"""Task-page panels of the vote: the candidates on a ballot, and the objection under investigation."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, Evidence, EvidenceLink, HumanTask, Objection, VoteRound
from ..workflow.display import describe
from ..workflow.panels import panel


def _declaration(application) -> list:
    """The answers of the candidate's declaration (latest submission), as shown on task pages."""
    if not application.instance_id:
        return []
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.instance_id == application.instance_id, AuditEvent.action == "completed",
               AuditEvent.form_file.like("self_application_declaration%"))
        .order_by(AuditEvent.id.desc()).limit(1)
    )
    return describe(event.form_file, event.data) if event is not None else []


@panel("vote_candidates")
def vote_candidates(task: HumanTask, context: dict) -> Markup:
    """Every candidate of the round with the declaration summary and evidence, for the ballot."""
    round_ = db.session.get(VoteRound, int(context.get("round_id", 0)))
    if round_ is None:
        return Markup("")
    rows = [(c, _declaration(c.application)) for c in round_.candidates]
    return Markup(render_template("vote/_candidates_panel.html", round=round_, rows=rows))


@panel("objection")
def objection(task: HumanTask, context: dict) -> Markup:
    """The objection, its objector (seen only here, by the investigating administrator) and files."""
    row = db.session.get(Objection, int(context.get("objection_id", 0)))
    if row is None:
        return Markup("")
    files = db.session.scalars(
        select(Evidence).join(EvidenceLink, EvidenceLink.evidence_id == Evidence.id)
        .where(EvidenceLink.instance_id == task.instance_id).order_by(Evidence.id)
    ).all()
    return Markup(render_template("vote/_objection_panel.html", objection=row, files=files))
