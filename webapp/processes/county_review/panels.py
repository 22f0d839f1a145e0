"""Task-page panels of the review: the per-candidate sheets each step is worked on.

Each sheet is a form of its own that posts to the review's pages (`pages.py`), which check it
and complete the step. `errors` (field name → message) and `data` come back when a sheet was
refused, so the person sees their input with a message next to each wrong field.
"""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ...extensions import db
from ...models import HumanTask, Organisation, User
from ..self_application.operations import declaration_entries_of
from .holders import title_entries_of
from .models import ReviewCandidate, ReviewCandidateStatus
from .operations import MATERIALS_OPEN, default_supplement_due
from .selection import office_experts, to_score_where
from .sheets import open_assignments, opinion_candidates, review_of


def _rows(candidates: list[ReviewCandidate], items: list | None = None) -> list[tuple]:
    """(item, the candidate's declaration and evidence as label/value entries) for every candidate; a
    candidate who entered from the title register (a city or province review) shows the title held.

    A constant number of queries whatever the number of candidates who applied: their declarations
    (labelled by the form set each instance was pinned to) in two, their teachers and schools (which
    the sheet names) in one each, into the session; the titles of those from the register in four.
    """
    declarations = declaration_entries_of(c.application_id for c in candidates if c.application_id is not None)
    titles = title_entries_of(c for c in candidates if c.application_id is None)
    preload_people(candidates)
    return [(item, declarations.get(c.application_id, []) if c.application_id is not None else titles.get(c.id, []))
            for item, c in zip(items if items is not None else candidates, candidates)]


def preload_people(candidates: list[ReviewCandidate]) -> None:
    """The candidates' teachers and schools, read in one query each and set on every candidate, so that a
    page naming each candidate reads them without a query per candidate."""
    for attribute, model, key in (("teacher", User, "teacher_id"), ("school", Organisation, "school_id")):
        ids = {getattr(c, key) for c in candidates}
        rows = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}
        for candidate in candidates:
            set_committed_value(candidate, attribute, rows.get(getattr(candidate, key)))


def materials_panel(task: HumanTask, context: dict, data: dict | None = None, errors: dict | None = None) -> Markup:
    """Every candidate with declaration and evidence; a decision form for each open one."""
    review = review_of(task.instance_id)
    rows = _rows(review.candidates)
    open_count = sum(1 for c in review.candidates
                     if c.status in (*MATERIALS_OPEN, ReviewCandidateStatus.returned))
    due = default_supplement_due(int((context.get("rules") or {}).get("supplement_days", 5)))
    return Markup(render_template("county_review/_materials_panel.html", task=task, review=review, rows=rows,
                                  open_statuses=[s.value for s in MATERIALS_OPEN], open_count=open_count,
                                  default_due=due, data=data or {}, errors=errors or {}))


def opinion_panel(task: HumanTask, context: dict, data: dict | None = None, errors: dict | None = None) -> Markup:
    """The subject's candidates only, each with an opinion and a comment."""
    review = review_of(task.instance_id)
    step = context.get("opinion_task") or {}
    rows = _rows(opinion_candidates(review, step.get("subject_code", "")))
    return Markup(render_template("county_review/_opinion_sheet.html", task=task, review=review, rows=rows,
                                  data=data or {}, errors=errors or {}))


def assignment_panel(task: HumanTask, context: dict, errors: dict | None = None) -> Markup:
    """Each candidate's experts, with changes and the confirmation."""
    review = review_of(task.instance_id)
    ids = [e.id for e in office_experts(review)]
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
    candidates = list(db.session.scalars(
        select(ReviewCandidate).where(*to_score_where(review))
        .options(selectinload(ReviewCandidate.assignments)).order_by(ReviewCandidate.id)))
    preload_people(candidates)
    return Markup(render_template("county_review/_assignment_panel.html", task=task, review=review,
                                  candidates=candidates, names=names, errors=errors or {}))


def score_panel(task: HumanTask, context: dict, data: dict | None = None, errors: dict | None = None) -> Markup:
    """The expert's own candidates with declaration, evidence and the research staff's opinion."""
    review = review_of(task.instance_id)
    assignments = open_assignments(review, task.assignee_id)
    rows = _rows([a.candidate for a in assignments], assignments)
    return Markup(render_template("county_review/_score_sheet.html", task=task, review=review, rows=rows,
                                  rubric=review.rubric, data=data or {}, errors=errors or {}))


def proposal_panel(task: HumanTask, context: dict) -> Markup:
    """The ranked list with final scores, for the office and the leading group."""
    review = review_of(task.instance_id)
    preload_people(review.candidates)
    return Markup(render_template("county_review/_proposal_panel.html", review=review))


PANELS = {
    "review_materials": materials_panel,
    "review_opinions": opinion_panel,
    "review_assignment": assignment_panel,
    "review_score_sheet": score_panel,
    "review_proposal": proposal_panel,
}
