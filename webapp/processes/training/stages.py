"""Where a teacher stands in the training, for *我的申报*: their own record only."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import User
from ..county_review.models import ReviewCandidate
from .. import TeacherStage
from .labels import TRAINEE_STATUS, status_reason
from .models import Trainee


def teacher_stages(user: User) -> dict[int, TeacherStage]:
    """Application id → the teacher's place in the training that followed its review."""
    rows = db.session.execute(
        select(Trainee, ReviewCandidate.application_id).join(ReviewCandidate, ReviewCandidate.id == Trainee.candidate_id)
        .where(Trainee.teacher_id == user.id, ReviewCandidate.application_id.is_not(None)).order_by(Trainee.id)).all()
    stages = {}
    for trainee, application_id in rows:
        label = _("Training: %(status)s", status=TRAINEE_STATUS[trainee.status.value])
        if trainee.status_reason and trainee.status.value == "eliminated":
            label = f"{label}: {status_reason(trainee.status_reason)}"
        stages[application_id] = TeacherStage(label=label, link_url=url_for("training.mine", trainee_id=trainee.id),
                                              link_label=_("My training"), css_class="training-stage")
    return stages
