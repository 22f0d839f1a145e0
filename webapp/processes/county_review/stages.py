"""Where a teacher stands in a review, for *我的申报*; a candidate sees their own score and rank only."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import TitleHolding, User
from ...titles import title_label
from .. import Candidacy, StageAction, TeacherStage
from .labels import REGISTER_STAGES, TEACHER_STAGES
from .models import ReviewCandidate, ReviewCandidateStatus, ReviewRound, ReviewStatus
from .operations import WITHDRAWABLE

Status = ReviewCandidateStatus


def stage(candidate: ReviewCandidate) -> str:
    """The teacher's stage as a key of labels.TEACHER_STAGES; nothing is told before it is published."""
    review = candidate.review
    if candidate.status in (Status.withdrawn, Status.rejected, Status.removed):
        return candidate.status.value
    if candidate.status in (Status.returned, Status.supplemented):
        return "returned"
    if review.status is ReviewStatus.notice and candidate.status is Status.formal:
        return "on_notice"
    if review.status is ReviewStatus.done and candidate.status in (Status.formal, Status.reserve, Status.not_selected):
        return candidate.status.value
    return "in_review"


def teacher_stages(user: User) -> dict[int, TeacherStage]:
    """Application id → the teacher's stage in their latest review of it."""
    rows = db.session.scalars(
        select(ReviewCandidate).where(ReviewCandidate.teacher_id == user.id, ReviewCandidate.application_id.is_not(None))
        .order_by(ReviewCandidate.id)
    ).all()
    stages = {}
    for candidate in rows:
        key = stage(candidate)
        label = str(TEACHER_STAGES[key])
        if key == "rejected" and candidate.materials_note:
            label = f"{label}: {candidate.materials_note}"
        published = candidate.review.notice_start_dt is not None
        action = None
        if candidate.review.status in WITHDRAWABLE and key in ("in_review", "returned"):
            action = StageAction(url_for("county_review.withdraw", candidate_id=candidate.id),
                                 _("Withdraw from the review"), _("Withdraw from the county review? This cannot be undone."))
        stages[candidate.application_id] = TeacherStage(
            label=label,
            link_url=url_for("county_review.notice", review_id=candidate.review_id) if published else None,
            link_label=_("County public notice") if published else None,
            action=action,
            css_class="review-stage",
        )
    return stages


def register_candidacies(user: User) -> list[Candidacy]:
    """The reviews the teacher is a candidate of through a title they hold (no application of theirs):
    a city review drawing on county titles, a province review on city titles."""
    rows = db.session.execute(
        select(ReviewCandidate, TitleHolding)
        .join(TitleHolding, TitleHolding.id == ReviewCandidate.source_id)
        .where(ReviewCandidate.teacher_id == user.id, ReviewCandidate.application_id.is_(None),
               ReviewCandidate.source == "title")
        .order_by(ReviewCandidate.id)
    ).all()
    candidacies = []
    for candidate, title in rows:
        review, key = candidate.review, stage(candidate)
        label = str(REGISTER_STAGES[key])
        if key == "rejected" and candidate.materials_note:
            label = f"{label}: {candidate.materials_note}"
        published = review.notice_start_dt is not None
        action = None
        if review.status in WITHDRAWABLE and key in ("in_review", "returned"):
            action = StageAction(url_for("county_review.withdraw", candidate_id=candidate.id),
                                 _("Withdraw from the review"), _("Withdraw from this review? This cannot be undone."))
        candidacies.append(Candidacy(
            title=f"{review.cycle.year} · {title_label(review.level, review.category)}",
            through=_("through your title %(title)s, certificate %(number)s",
                      title=title_label(title.level, title.category), number=title.certificate_no or "—"),
            stage=TeacherStage(
                label=label,
                link_url=url_for("county_review.notice", review_id=review.id) if published else None,
                link_label=_("Public notice") if published else None,
                action=action,
                css_class="review-stage",
            ),
        ))
    return candidacies


def own_candidacy(user: User, review: ReviewRound) -> ReviewCandidate | None:
    """The user's own place in the review, if they are one of its candidates (one row, not the pool)."""
    return db.session.scalar(select(ReviewCandidate).filter_by(review_id=review.id, teacher_id=user.id))
