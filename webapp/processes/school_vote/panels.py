"""Task-page panel of the vote: the candidates on a ballot, with their declarations and evidence."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from ...extensions import db
from ...models import HumanTask
from ...workflow.display import describe
from ..self_application.operations import declaration_of
from .models import VoteRound


def vote_candidates(task: HumanTask, context: dict) -> Markup:
    """Every candidate of the round with the declaration summary and evidence, for the ballot."""
    round_ = db.session.get(VoteRound, int(context.get("round_id", 0)))
    if round_ is None:
        return Markup("")
    rows = [(c, describe(*declaration_of(c.application))) for c in round_.candidates]
    return Markup(render_template("school_vote/_candidates_panel.html", round=round_, rows=rows))


PANELS = {"vote_candidates": vote_candidates}
