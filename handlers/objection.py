"""Handlers for objections to a public notice, a school's or a review's (workflows/objection.bpmn)."""
from __future__ import annotations

from webapp.extensions import db
from webapp.models import utcnow
from webapp.processes.county_review import objections as review_objections
from webapp.processes.objection.models import Objection, ObjectionStatus
from webapp.processes.school_vote import events
from webapp.processes.school_vote.membership import remove_from_list
from webapp.processes.school_vote.models import CandidateStatus

from . import handler


@handler("resolve_objection", "Uphold (remove the candidate, promote the next) or dismiss an objection, with a reply.")
def resolve_objection(objection_id, decision: str, reply: str) -> str:
    """Record the outcome; an upheld objection changes the published list."""
    objection = db.session.get(Objection, int(objection_id))
    if objection is None:
        raise LookupError(f"objection {objection_id} does not exist")
    if decision not in ("upheld", "dismissed"):
        raise ValueError(f"unknown decision {decision!r}")
    objection.status = ObjectionStatus(decision)
    objection.reply = reply
    objection.resolved_dt = utcnow()
    if objection.review_candidate_id is not None:
        review_objections.resolve(objection)
        return decision
    if decision == "upheld":
        events.moved_up(remove_from_list(objection.candidate, CandidateStatus.removed))
        events.removed(objection.candidate)
    events.objection_answered(objection)
    return decision
