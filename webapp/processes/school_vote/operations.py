"""The school vote's actions outside the diagram: open a round, object, withdraw, and who sees what."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from ...core.errors import Conflict, NotFound
from ...engine.runtime import WorkflowEngine
from ...evidence.operations import link_to_instance
from ...extensions import db
from ...models import ApplicationCycle, Evidence, EvidenceLink, HumanTask, Organisation, TaskState, User, utcnow
from ...roles import Role
from ...titles import call_title
from ...workflow.operations import start_instance
from ...workflow.permissions import oversees
from ..self_application.labels import subject_label
from ..self_application.models import Application, ApplicationStatus
from . import events
from .deadlines import last_day, voting_deadline
from .membership import committee_member_ids, remove_from_list
from .models import CandidateStatus, RoundCandidate, RoundStatus, VoteRound

PROCESS_ID = "school_vote"
# Rounds that hold their applications: a cancelled round lets them enter a new one.
ACTIVE = tuple(status for status in RoundStatus if status is not RoundStatus.cancelled)
# Rounds whose list is not decided yet: they may still fill every place they were given.
UNDECIDED = (RoundStatus.voting, RoundStatus.no_quorum, RoundStatus.tie)


def admin_schools(user: User) -> list[Organisation]:
    """Schools where the user is the school administrator."""
    return [org for role, org in user.role_scopes() if role is Role.school_admin]


def school_of_admin(user: User, school_id: int) -> Organisation:
    """The school, if the user administers it (else 404: no hint that it exists)."""
    school = next((org for org in admin_schools(user) if org.id == school_id), None)
    if school is None:
        raise NotFound(_("No such school."))
    return school


def ready_to_vote(school: Organisation) -> list[tuple[ApplicationCycle, int]]:
    """Cycles with accepted applications of the school that are in no active round, and how many."""
    rows = db.session.execute(
        select(ApplicationCycle, func.count(Application.id))
        .join(Application, Application.cycle_id == ApplicationCycle.id)
        .where(Application.school_id == school.id, Application.status == ApplicationStatus.accepted,
               Application.id.not_in(_held(school.id)))
        .group_by(ApplicationCycle.id)
        .order_by(ApplicationCycle.year.desc(), ApplicationCycle.id)
    ).all()
    return [(cycle, count) for cycle, count in rows]


def _held(school_id: int):
    """The applications the school's active rounds hold (only this school's rounds can hold its
    applications: the check stays small however many rounds the province has open)."""
    return (
        select(RoundCandidate.application_id)
        .join(VoteRound)
        .where(VoteRound.school_id == school_id, VoteRound.status.in_(ACTIVE))
    )


def places_taken(school_id: int, cycle_id: int) -> int:
    """The school's places in a call that its earlier rounds already fill: an undecided round as
    many as it can still fill (its places, at most its candidates still in it), a decided one
    its recommended candidates (a withdrawal or an upheld objection gives a place back)."""
    in_round = func.sum(case((RoundCandidate.status.in_([CandidateStatus.withdrawn, CandidateStatus.removed]), 0),
                             else_=1))
    recommended = func.sum(case((RoundCandidate.status == CandidateStatus.recommended, 1), else_=0))
    rows = db.session.execute(
        select(VoteRound.status, VoteRound.quota, in_round, recommended)
        .join(RoundCandidate, RoundCandidate.round_id == VoteRound.id)
        .where(VoteRound.school_id == school_id, VoteRound.cycle_id == cycle_id, VoteRound.status.in_(ACTIVE))
        .group_by(VoteRound.id, VoteRound.status, VoteRound.quota)
    ).all()
    return sum(min(quota, candidates or 0) if status in UNDECIDED else (chosen or 0)
               for status, quota, candidates, chosen in rows)


def school_rounds(school: Organisation) -> list[VoteRound]:
    """The school's rounds, newest first."""
    return list(db.session.scalars(
        select(VoteRound).filter_by(school_id=school.id).order_by(VoteRound.created_dt.desc(), VoteRound.id.desc())
    ))


def open_round(engine: WorkflowEngine, user: User, school: Organisation, cycle_id: int, deadline: str) -> VoteRound:
    """Open a vote on the school's accepted applications of a cycle; ballots go to every member."""
    cycle = next((c for c, _count in ready_to_vote(school) if c.id == cycle_id), None)
    if cycle is None:
        raise Conflict(_("There are no accepted applications of this call waiting for a vote."))
    deadline_dt = voting_deadline(deadline)
    members = committee_member_ids(school.id)
    if not members:
        raise Conflict(_("The school has no qualification committee members; add them before opening a vote."))
    places = cycle.school_quota(school.teacher_headcount)
    if places <= 0:
        raise Conflict(_("The county has set no places for this school in this call."))
    # A later round (applications accepted after a vote opened) votes on the places left only.
    quota = places - places_taken(school.id, cycle.id)
    if quota <= 0:
        raise Conflict(_("All %(places)d places of this school in this call are filled by its earlier vote: "
                         "the applications accepted since then cannot be voted on.", places=places))
    round_ = VoteRound(school_id=school.id, cycle_id=cycle.id, level=cycle.level, category=cycle.category,
                       quota=quota, members=len(members), ballot_deadline_dt=deadline_dt, opened_by_id=user.id)
    db.session.add(round_)
    applications = db.session.scalars(
        select(Application).where(Application.school_id == school.id, Application.cycle_id == cycle.id,
                                  Application.status == ApplicationStatus.accepted,
                                  Application.id.not_in(_held(school.id))).order_by(Application.id)
    ).all()
    round_.candidates = [RoundCandidate(application_id=a.id, teacher_id=a.teacher_id) for a in applications]
    db.session.flush()
    instance = start_instance(
        engine, PROCESS_ID, org=school, actor=user,
        title=f"{school.name} · {call_title(cycle, english=False)} · 民主评议",
        title_en=f"{school.name} · {call_title(cycle, english=True)} · school vote",
        data={
            "round_id": round_.id, "quota": quota, "level": cycle.level, "category": cycle.category,
            "ballot_deadline": deadline_dt.isoformat(), "ballot_last_day": last_day(deadline_dt),
            "school_name": school.name,
            "title_label": call_title(cycle, english=False), "title_label_en": call_title(cycle, english=True),
            "candidate_options": [candidate_option(c) for c in round_.candidates],
        },
    )
    round_.instance_id = instance.id
    events.ballots_issued(round_, members)
    # Committee members read the candidates' evidence through the vote.
    for application in applications:
        if application.instance_id:
            link_to_instance(instance, _evidence_of(application.instance_id))
    db.session.flush()
    return round_


def candidate_option(candidate: RoundCandidate) -> dict:
    """A ballot choice: the candidate's name and subject."""
    name, subject = candidate.teacher.display_name, candidate.application.subject
    return {"value": str(candidate.id),
            "title": f"{name} · {subject_label(subject, english=False)}",
            "title_en": f"{name} · {subject_label(subject, english=True)}"}


def _evidence_of(instance_id: int) -> set[str]:
    """Digests of the files an instance cites."""
    return set(db.session.scalars(
        select(Evidence.digest).join(EvidenceLink, EvidenceLink.evidence_id == Evidence.id)
        .where(EvidenceLink.instance_id == instance_id)
    ))


def waiting_voters(round_: VoteRound) -> list[str]:
    """Names of the members whose ballot is still open (who has voted is known; how, never)."""
    return list(db.session.scalars(
        select(User.display_name).join(HumanTask, HumanTask.assignee_id == User.id)
        .where(HumanTask.instance_id == round_.instance_id, HumanTask.task_name == "cast_ballot",
               HumanTask.state == TaskState.open)
        .order_by(User.display_name)
    )) if round_.instance_id else []


# -- who sees a round -------------------------------------------------------------------------------

def user_school_ids(user: User) -> set[int]:
    """The schools the user belongs to: where they teach and where they hold a role."""
    ids = {org.id for _role, org in user.role_scopes() if org.kind.value == "school"}
    if user.profile is not None:
        ids.add(user.profile.school_id)
    return ids


def belongs_to_school(user: User, school: Organisation) -> bool:
    """Everyone in the school: its teachers and anyone holding a role there."""
    return school.id in user_school_ids(user)


def school_notices(user: User) -> list[VoteRound]:
    """Rounds published (on notice, ended or reported) at the schools the user belongs to."""
    published = (RoundStatus.notice, RoundStatus.reporting, RoundStatus.reported)
    return list(db.session.scalars(
        select(VoteRound)
        .where(VoteRound.school_id.in_(user_school_ids(user)), VoteRound.status.in_(published))
        .order_by(VoteRound.notice_start_dt.desc())
    ))


def visible_round(user: User, round_id: int) -> VoteRound:
    """A round whose notice the user may read: people of the school and overseers; others 404."""
    round_ = db.session.get(VoteRound, round_id)
    if round_ is None or not (belongs_to_school(user, round_.school) or oversees(user, round_.school.path)):
        raise NotFound(_("No such vote round."))
    return round_


def notice_open(round_: VoteRound, now: datetime | None = None) -> bool:
    """Objections are accepted while the notice runs."""
    now = now or utcnow()
    return round_.status is RoundStatus.notice and round_.notice_end_dt is not None and now < round_.notice_end_dt


# -- the teacher's side ----------------------------------------------------------------------------

def withdraw_candidacy(user: User, candidate_id: int) -> RoundCandidate | None:
    """A teacher leaves a round before it is reported; the list is recomputed. Returns who moved up."""
    candidate = db.session.get(RoundCandidate, candidate_id)
    if candidate is None or candidate.teacher_id != user.id:
        raise NotFound(_("No such candidacy."))
    if candidate.round.status in (RoundStatus.reported, RoundStatus.cancelled):
        raise Conflict(_("This vote is over; a withdrawal is no longer possible here."))
    if candidate.status in (CandidateStatus.withdrawn, CandidateStatus.removed, CandidateStatus.not_passed):
        raise Conflict(_("You are no longer a candidate in this vote."))
    promoted = remove_from_list(candidate, CandidateStatus.withdrawn)
    events.moved_up(promoted)
    application = candidate.application
    application.status = ApplicationStatus.withdrawn
    application.decided_dt = utcnow()
    db.session.flush()
    return promoted


def candidacies(user: User) -> dict[int, RoundCandidate]:
    """The teacher's latest candidacy per application (application id → candidacy)."""
    rows = db.session.scalars(
        select(RoundCandidate).filter_by(teacher_id=user.id).order_by(RoundCandidate.id)
    ).all()
    return {row.application_id: row for row in rows}


def stage(candidate: RoundCandidate) -> str:
    """Where the teacher stands in the vote, as a key of labels.VOTE_STAGES."""
    round_ = candidate.round
    if candidate.status in (CandidateStatus.withdrawn, CandidateStatus.removed):
        return candidate.status.value
    if round_.status is RoundStatus.cancelled:
        return "round_cancelled"
    if round_.status in (RoundStatus.voting, RoundStatus.no_quorum, RoundStatus.tie):
        return "in_vote"
    if candidate.status is CandidateStatus.recommended:
        return "reported" if round_.status is RoundStatus.reported else "on_notice"
    return "not_recommended"
