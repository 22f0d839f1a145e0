"""The task-page panel of every annual-review step: the holder, the title, the year's duty log with
progress, the summary, the school's comment, the opinion, the proposal and the decision so far."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from ...extensions import db
from ...models import HumanTask
from .duties import pairing_credit, progress, records_of, title_duties
from .models import AnnualReview
from .schoolyear import SchoolYear


def review_of_instance(instance_id: int) -> AnnualReview | None:
    return db.session.scalar(select(AnnualReview).where(AnnualReview.instance_id == instance_id))


def review_panel(task: HumanTask, context: dict) -> Markup:
    """Everything the step's actor needs to judge the year."""
    review = review_of_instance(task.instance_id)
    if review is None:
        return Markup("")
    duties = title_duties(review.title)
    records = records_of(review.title_id, review.school_year)
    return Markup(render_template("annual_review/_review_panel.html", review=review, year=SchoolYear(review.school_year),
                                  progress=progress(duties, records, pairing_credit(review.title, review.school_year)), records=records,
                                  duties={d.code: d for d in duties}, instance_id=task.instance_id))


PANELS = {"annual_review": review_panel}
