"""Handlers for a school's supplementary material to a review (workflows/review_supplement.bpmn)."""
from __future__ import annotations

from webapp.evidence.operations import link_to_instance
from webapp.extensions import db
from webapp.models import ProcessInstance
from webapp.processes.county_review.models import ReviewCandidate, ReviewCandidateStatus
from webapp.processes.county_review.operations import record

from . import handler


@handler("record_supplement", "The school supplemented a returned candidate's material: back to the office's check.")
def record_supplement(candidate_id, note: str, files: list) -> bool:
    """The candidate is checked again; the files become readable through the review."""
    candidate = db.session.get(ReviewCandidate, int(candidate_id))
    if candidate is None:
        raise LookupError(f"review candidate {candidate_id} does not exist")
    if candidate.status is not ReviewCandidateStatus.returned:
        return False  # withdrawn or decided meanwhile: nothing to check again
    candidate.status = ReviewCandidateStatus.supplemented
    candidate.supplement_note = note
    review = candidate.review
    link_to_instance(db.session.get(ProcessInstance, review.instance_id), set(files or []))
    record(review, None, "supplemented", candidate, note)
    return True
