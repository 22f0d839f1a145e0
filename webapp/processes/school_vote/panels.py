"""Task-page panels of the vote: the candidates on a ballot (declarations, evidence); the list to report."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from ...extensions import db
from ...models import HumanTask
from ...workflow.display import with_file_names
from ..self_application.operations import declaration_entries
from .models import NoticeChange, VoteRound


def vote_candidates(task: HumanTask, context: dict) -> Markup:
    """Every candidate of the round with the declaration summary and evidence, for the ballot."""
    round_ = db.session.get(VoteRound, int(context.get("round_id", 0)))
    if round_ is None:
        return Markup("")
    rows = [(c, declaration_entries(c.application)) for c in round_.candidates]
    for candidate, entries in rows:
        if candidate.application.instance_id:
            with_file_names(candidate.application.instance_id, [entries])
    return Markup(render_template("school_vote/_candidates_panel.html", round=round_, rows=rows))


def report_list(task: HumanTask, context: dict) -> Markup:
    """The final list the administrator reports, with the changes published during the notice."""
    round_ = db.session.get(VoteRound, int(context.get("round_id", 0)))
    if round_ is None:
        return Markup("")
    changes = db.session.scalars(select(NoticeChange).filter_by(round_id=round_.id).order_by(NoticeChange.id)).all()
    return Markup(render_template("school_vote/_report_panel.html", round=round_, changes=changes))


PANELS = {"vote_candidates": vote_candidates, "report_list": report_list}
