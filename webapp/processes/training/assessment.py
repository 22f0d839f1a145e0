"""The assessment: component scores, the weighted total, and the pass line applied at its end."""
from __future__ import annotations

from flask_babel import gettext as _

from ...core.errors import Conflict, InvalidInput
from ...extensions import db
from ...forms import FieldError
from . import notices, rules
from .base import require_stage
from .models import CohortStatus, ComponentScore, TraineeStatus, TrainingCohort


def record_scores(cohort: TrainingCohort, scores: dict[tuple[int, str], str]) -> int:
    """Store component scores ((trainee id, component) → text of a number 0–100); all or nothing."""
    require_stage(cohort, CohortStatus.assessment)
    trainees = {t.id: t for t in cohort.trainees if t.status is TraineeStatus.active}
    components = set(cohort.components())
    errors, parsed = [], {}
    for (trainee_id, component), raw in scores.items():
        field = f"score_{trainee_id}_{component}"
        if trainee_id not in trainees or component not in components:
            errors.append(FieldError(path=(field,), label="", message=_("Not a trainee or component of this training.")))
            continue
        if raw is None or str(raw).strip() == "":
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = -1
        if not 0 <= value <= 100:
            errors.append(FieldError(path=(field,), label="", message=_("Enter a score from 0 to 100.")))
            continue
        parsed[(trainee_id, component)] = value
    if errors:
        raise InvalidInput(_("Nothing was saved: correct the scores below."), errors)
    existing = {(s.trainee_id, s.component): s for t in trainees.values() for s in t.scores}
    for (trainee_id, component), value in parsed.items():
        row = existing.get((trainee_id, component))
        if row is None:
            trainees[trainee_id].scores.append(ComponentScore(component=component, score=value))
        else:
            row.score = value
    for trainee in trainees.values():
        trainee.weighted_total = rules.weighted_total(trainee.score_map(), cohort.weights)
    db.session.flush()
    return len(parsed)


def finish_assessment(cohort: TrainingCohort) -> None:
    """Weighted totals; under the pass line → eliminated with the reason; the rest passed."""
    active = [t for t in cohort.trainees if t.status is TraineeStatus.active]
    missing = [t for t in active if rules.weighted_total(t.score_map(), cohort.weights) is None]
    if missing:
        raise Conflict(_("%(count)d trainee(s) still miss a component score; enter every score first.",
                         count=len(missing)))
    for trainee in active:
        trainee.weighted_total = rules.weighted_total(trainee.score_map(), cohort.weights)
        if trainee.weighted_total < cohort.pass_line:
            trainee.status = TraineeStatus.eliminated
            trainee.status_reason = f"score|{trainee.weighted_total:g}|{cohort.pass_line:g}"
            notices.eliminated(cohort, trainee)
        else:
            trainee.status = TraineeStatus.passed
    cohort.status = CohortStatus.done
