"""What every stage of the training's actions shares: today in the county, the stage guard and the
shape of a refused field. Nothing in the training's actions commits (`@committing` does)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from ...calendar import local_zone
from ...core.errors import Conflict, InvalidInput
from ...forms import FieldError
from ...models import utcnow
from .models import CohortStatus, TrainingCohort


def today() -> date:
    """Today in the county's time zone."""
    return utcnow().astimezone(local_zone()).date()


def field_error(field: str, message: str) -> InvalidInput:
    """A refusal with its message next to one field."""
    return InvalidInput(message, [FieldError(path=(field,), label="", message=message)])


def require_stage(cohort: TrainingCohort, *stages: CohortStatus) -> None:
    """Refuse an action the training's current stage does not allow."""
    if cohort.status not in stages:
        raise Conflict(_("This cannot be done at the training's current stage."))
