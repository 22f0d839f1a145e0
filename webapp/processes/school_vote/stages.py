"""Where a teacher's applications stand in the school vote, for the teacher's own page."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from ...models import User
from .. import StageAction, TeacherStage
from .labels import VOTE_STAGES
from .operations import candidacies, stage


def teacher_stages(user: User) -> dict[int, TeacherStage]:
    """Application id → the teacher's stage in its latest round, with the notice and withdrawal."""
    stages = {}
    for application_id, candidacy in candidacies(user).items():
        key = stage(candidacy)
        notice = candidacy.round.notice_start_dt is not None
        withdraw = None
        if key in ("in_vote", "on_notice"):
            withdraw = StageAction(url_for("school_vote.withdraw", candidate_id=candidacy.id), _("Withdraw from the vote"),
                                   confirm=_("Withdraw from the vote? This cannot be undone: your application is withdrawn "
                                             "and the list is recomputed."))
        stages[application_id] = TeacherStage(
            label=str(VOTE_STAGES.get(key, key)),
            link_url=url_for("school_vote.round_page", round_id=candidacy.round_id) if notice else None,
            link_label=_("Public notice") if notice else None,
            action=withdraw,
            css_class="vote-stage",
        )
    return stages
