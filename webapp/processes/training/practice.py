"""The practice period: trainees hand in records, their mentor accepts or returns them."""
from __future__ import annotations

from flask_babel import gettext as _

from ...core.errors import Conflict, InvalidInput, NotFound
from ...extensions import db
from ...forms import FieldError
from ...models import User, utcnow
from . import access
from .base import field_error, require_stage
from .models import CohortStatus, PracticeRecord, PracticeStatus, TraineeStatus, TrainingCohort


def submit_practice(user: User, trainee_id: int, kind: str, content: str, link: str) -> PracticeRecord:
    """The trainee hands in a practice record for their mentor."""
    trainee = access.own_trainee(user, trainee_id)
    if trainee.status is not TraineeStatus.active:
        raise Conflict(_("You are no longer in this training."))
    require_stage(trainee.cohort, CohortStatus.centralised, CohortStatus.practice)
    kind, content, link = (kind or "").strip(), (content or "").strip(), (link or "").strip()
    errors = []
    if not 1 <= len(kind) <= 100:
        errors.append(FieldError(path=("kind",), label="", message=_("Say what this is (1 to 100 characters).")))
    if not 10 <= len(content) <= 5000:
        errors.append(FieldError(path=("content",), label="", message=_("Write 10 to 5000 characters.")))
    if link and not (link.startswith("https://") or link.startswith("http://")) or len(link) > 500:
        errors.append(FieldError(path=("link",), label="", message=_("Enter a web address starting with http:// or https://.")))
    if errors:
        raise InvalidInput(_("The record was not submitted: correct the fields marked below."), errors)
    record = PracticeRecord(kind=kind, content=content, evidence_link=link or None)
    trainee.records.append(record)
    db.session.flush()
    return record


def review_practice(user: User, record_id: int, decision: str, comment: str) -> PracticeRecord:
    """The trainee's mentor accepts a record or returns it with a comment."""
    record = db.session.get(PracticeRecord, record_id)
    if record is None or record.trainee.mentor_id != user.id:
        raise NotFound(_("No such practice record."))
    if record.status is not PracticeStatus.submitted:
        raise Conflict(_("This record has already been reviewed."))
    comment = (comment or "").strip()
    if decision not in ("accept", "return"):
        raise field_error("decision", _("Choose accept or return."))
    if decision == "return" and not 5 <= len(comment) <= 1000:
        raise field_error("comment", _("Write what to change (5 to 1000 characters)."))
    if len(comment) > 1000:
        raise field_error("comment", _("At most 1000 characters."))
    record.status = PracticeStatus.accepted if decision == "accept" else PracticeStatus.returned
    record.mentor_comment = comment or None
    record.reviewed_dt = utcnow()
    db.session.flush()
    return record


def practice_finished(cohort: TrainingCohort) -> None:
    """The practice period is over: the assessment is next."""
    cohort.status = CohortStatus.assessment
