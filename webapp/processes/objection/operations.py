"""Objections to a public notice: filed by people of the school (or of a review's area), investigated
confidentially. `start_objection` is the one way an objection instance starts, for every notice."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ...core.errors import Conflict, NotFound
from ...engine.runtime import WorkflowEngine
from ...evidence.operations import link_to_instance
from ...extensions import db
from ...models import User
from ...titles import call_title
from ...workflow.operations import start_instance
from ..school_vote.models import VoteRound
from ..school_vote.operations import belongs_to_school, candidate_option, notice_open
from .models import Objection

PROCESS_ID = "objection"
OBJECTION_FORM = "objection_filing.schema.json"


def objection_options(round_: VoteRound) -> list[dict]:
    """The candidates on the notice one may object to."""
    return [candidate_option(c) for c in round_.recommended()]


def file_objection(engine: WorkflowEngine, user: User, round_: VoteRound, candidate_id: int, reason: str,
                   evidence: set[str]) -> Objection:
    """Record an objection and hand it to the school administrator as a confidential task."""
    require_school_member(user, round_)
    if not notice_open(round_):
        raise Conflict(_("The public notice period has ended; objections are no longer accepted."))
    candidate = next((c for c in round_.recommended() if c.id == candidate_id), None)
    if candidate is None:
        raise Conflict(_("This candidate is not on the notice."))
    objection = Objection(round_id=round_.id, candidate_id=candidate.id, objector_id=user.id, reason=reason)
    start_objection(engine, user, objection, round_.school, candidate.teacher.display_name, round_.cycle,
                    evidence, investigator="school", data={"round_id": round_.id, "school_name": round_.school.name})
    return objection


def start_objection(engine: WorkflowEngine, user: User, objection: Objection, org, candidate_name: str, cycle,
                    evidence: set[str], *, investigator: str, data: dict | None = None) -> None:
    """Store the objection and start its confidential instance at `org`.

    `investigator` picks the step of `workflows/objection.bpmn`: ``school`` (the school
    administrators) or ``office`` (the office of the level the notice belongs to).
    """
    db.session.add(objection)
    db.session.flush()
    instance = start_instance(
        engine, PROCESS_ID, org=org, actor=user, subject=user, confidential=True,
        title=f"对{candidate_name}的公示异议",
        title_en=f"Objection concerning {candidate_name} on the public notice",
        data={
            "objection_id": objection.id, "investigator": investigator, "candidate_name": candidate_name,
            "title_label": call_title(cycle, english=False), "title_label_en": call_title(cycle, english=True),
            **(data or {}),
        },
    )
    objection.instance_id = instance.id
    link_to_instance(instance, evidence, uploaded_by=user)
    db.session.flush()


def require_school_member(user: User, round_: VoteRound) -> None:
    """Only people of the school object to its notice; for others the action is out of scope (404)."""
    if not belongs_to_school(user, round_.school):
        raise NotFound(_("Only people of this school may object to its notice."))


def my_objections(user: User, round_: VoteRound) -> list[Objection]:
    """The user's own objections to a round, with the replies."""
    return list(db.session.scalars(
        select(Objection).filter_by(round_id=round_.id, objector_id=user.id).order_by(Objection.id)
    ))
