"""The training centre's plan: assessment weights, centralised sessions, the practice period."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ...core.errors import Conflict, InvalidInput
from ...extensions import db
from ...forms import FieldError
from . import rules
from .base import require_stage
from .models import CohortStatus, ComponentScore, Trainee, TrainingCohort, TrainingSession


def save_plan(cohort: TrainingCohort, form) -> None:
    """Weights (must sum to 100), sessions, practice period and outputs, from the plan page's form.

    Rows: ``component_N``/``weight_N`` and ``session_day_N``/``session_hours_N``/``session_topic_N``.
    Everything is checked before anything is changed.
    """
    require_stage(cohort, CohortStatus.planning, CohortStatus.centralised)
    errors = []

    def bad(field, message):
        errors.append(FieldError(path=(field,), label="", message=message))

    weights = []
    for index in range(20):
        name = (form.get(f"component_{index}") or "").strip()
        raw = (form.get(f"weight_{index}") or "").strip()
        if not name and not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            bad(f"weight_{index}", _("Enter the weight as a number."))
            continue
        if not name or len(name) > 64:
            bad(f"component_{index}", _("Name the component (at most 64 characters)."))
        weights.append([name, value])
    problem = rules.weights_problem(weights)
    messages = {"empty": _("Enter at least one assessment component."),
                "duplicate": _("Each component may appear only once."),
                "range": _("Each weight must be above 0 and at most 100."),
                "sum": _("The weights add up to %(sum)s %%; they must add up to 100 %%.",
                         sum=f"{sum(w for _n, w in weights):g}")}
    if problem:
        bad("weights", messages[problem])
    sessions = []
    for index in range(60):
        day_raw = (form.get(f"session_day_{index}") or "").strip()
        hours_raw = (form.get(f"session_hours_{index}") or "").strip()
        topic = (form.get(f"session_topic_{index}") or "").strip()
        if not (day_raw or hours_raw or topic):
            continue
        try:
            day = date.fromisoformat(day_raw)
        except ValueError:
            bad(f"session_day_{index}", _("Enter the date as YYYY-MM-DD."))
            continue
        try:
            hours = float(hours_raw)
        except ValueError:
            hours = -1
        if not 0 < hours <= 12:
            bad(f"session_hours_{index}", _("Enter the hours, above 0 and at most 12."))
            continue
        if not 1 <= len(topic) <= 200:
            bad(f"session_topic_{index}", _("Enter the topic (1 to 200 characters)."))
            continue
        sessions.append((day, hours, topic))
    if not sessions:
        bad("sessions", _("Enter at least one centralised session."))
    practice = {}
    for field in ("practice_from", "practice_until"):
        raw = (form.get(field) or "").strip()
        try:
            practice[field] = date.fromisoformat(raw) if raw else None
        except ValueError:
            bad(field, _("Enter the date as YYYY-MM-DD."))
    if practice.get("practice_from") and practice.get("practice_until") and \
            practice["practice_until"] < practice["practice_from"]:
        bad("practice_until", _("The practice period must end after it starts."))
    outputs = (form.get("practice_outputs") or "").strip()
    if len(outputs) > 2000:
        bad("practice_outputs", _("At most 2000 characters."))
    if errors:
        raise InvalidInput(_("The plan was not saved: correct the fields marked below."), errors)
    if cohort.status is not CohortStatus.planning and weights != cohort.weights and \
            db.session.scalar(select(ComponentScore.id).join(Trainee).where(Trainee.cohort_id == cohort.id).limit(1)):
        raise Conflict(_("Scores have been entered; the weights can no longer change."))
    cohort.weights = weights
    kept = {(s.day, s.hours, s.topic): s for s in cohort.sessions}
    marked = {m.session_id for t in cohort.trainees for m in t.marks}
    new = []
    for key in sessions:
        new.append(kept.pop(key) if key in kept else TrainingSession(day=key[0], hours=key[1], topic=key[2]))
    if any(s.id in marked for s in kept.values()):
        raise Conflict(_("A session with attendance already entered cannot be removed."))
    cohort.sessions = new
    cohort.practice_from, cohort.practice_until = practice.get("practice_from"), practice.get("practice_until")
    cohort.practice_outputs = outputs or None
    db.session.flush()


def plan_finished(cohort: TrainingCohort) -> None:
    """Refuse to leave planning without a valid weight table and a session."""
    if rules.weights_problem(cohort.weights) or not cohort.sessions:
        raise Conflict(_("Save a plan with weights adding up to 100 % and at least one session first."))
    cohort.status = CohortStatus.centralised
