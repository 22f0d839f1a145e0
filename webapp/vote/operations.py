"""The school vote's actions outside the diagram: open a round, object, withdraw, and who sees what."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..applications.vocabulary import category_label, level_label, subject_label
from ..calendar import local_zone
from ..engine.runtime import WorkflowEngine
from ..evidence.operations import link_to_instance
from ..extensions import db
from ..models import (
    Application, ApplicationCycle, ApplicationStatus, CandidateStatus, Evidence, EvidenceLink, Objection, Organisation,
    RoundCandidate, RoundStatus, User, VoteRound, utcnow,
)
from ..roles import OVERSEEING_ROLES, Role
from ..workflow.errors import Conflict, InvalidInput, NotFound
from ..workflow.operations import start_instance
from .membership import committee_member_ids, remove_from_list

PROCESS_ID = "school_vote"
OBJECTION_PROCESS_ID = "objection"
# Rounds that hold their applications: a cancelled round lets them enter a new one.
ACTIVE = tuple(status for status in RoundStatus if status is not RoundStatus.cancelled)


def title_label(cycle: ApplicationCycle, english: bool) -> str:
    """E.g. "2026 年度 县级骨干教师" / "2026 County-level Backbone teacher"."""
    if english:
        return f"{cycle.year} {level_label(cycle.level, english=True)} {category_label(cycle.category, english=True)}"
    return f"{cycle.year} 年度{level_label(cycle.level, english=False)}{category_label(cycle.category, english=False)}"


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
    # Only this school's rounds can hold its applications: the check stays small however many
    # rounds the province has open.
    held = (
        select(RoundCandidate.application_id)
        .join(VoteRound)
        .where(VoteRound.school_id == school.id, VoteRound.status.in_(ACTIVE))
    )
    rows = db.session.execute(
        select(ApplicationCycle, func.count(Application.id))
        .join(Application, Application.cycle_id == ApplicationCycle.id)
        .where(Application.school_id == school.id, Application.status == ApplicationStatus.accepted,
               Application.id.not_in(held))
        .group_by(ApplicationCycle.id)
        .order_by(ApplicationCycle.year.desc(), ApplicationCycle.id)
    ).all()
    return [(cycle, count) for cycle, count in rows]


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
    deadline_dt = _deadline_from(deadline)
    members = committee_member_ids(school.id)
    if not members:
        raise Conflict(_("The school has no qualification committee members; add them before opening a vote."))
    quota = cycle.school_quota(school.teacher_headcount)
    if quota <= 0:
        raise Conflict(_("The county has set no places for this school in this call."))
    round_ = VoteRound(school_id=school.id, cycle_id=cycle.id, level=cycle.level, category=cycle.category,
                       quota=quota, members=len(members), ballot_deadline_dt=deadline_dt, opened_by_id=user.id)
    db.session.add(round_)
    applications = db.session.scalars(
        select(Application).where(Application.school_id == school.id, Application.cycle_id == cycle.id,
                                  Application.status == ApplicationStatus.accepted).order_by(Application.id)
    ).all()
    round_.candidates = [RoundCandidate(application_id=a.id, teacher_id=a.teacher_id) for a in applications]
    db.session.flush()
    instance = start_instance(
        engine, PROCESS_ID, org=school, actor=user,
        title=f"{school.name} · {title_label(cycle, english=False)} · 民主评议",
        data={
            "round_id": round_.id, "quota": quota, "level": cycle.level, "category": cycle.category,
            "ballot_deadline": deadline_dt.isoformat(), "school_name": school.name,
            "title_label": title_label(cycle, english=False), "title_label_en": title_label(cycle, english=True),
            "candidate_options": [_option(c) for c in round_.candidates],
        },
    )
    round_.instance_id = instance.id
    # Committee members read the candidates' evidence through the vote.
    for application in applications:
        if application.instance_id:
            link_to_instance(instance, _evidence_of(application.instance_id))
    db.session.flush()
    return round_


def _option(candidate: RoundCandidate) -> dict:
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


def _deadline_from(value: str) -> datetime:
    """Midnight closing the given local date; the date must be after today."""
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(_("Enter the voting deadline as a date (YYYY-MM-DD)."), []) from None
    zone = local_zone()
    if day <= utcnow().astimezone(zone).date():
        raise InvalidInput(_("The voting deadline must be after today."), [])
    if day > utcnow().astimezone(zone).date() + timedelta(days=366):
        raise InvalidInput(_("The voting deadline must be within a year."), [])
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)


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


def oversees(user: User, school: Organisation) -> bool:
    """Overseers of an organisation containing the school (the school admin, county, city, …)."""
    return any(role in OVERSEEING_ROLES and school.path.startswith(org.path) for role, org in user.role_scopes())


def visible_round(user: User, round_id: int) -> VoteRound:
    """A round whose notice the user may read: people of the school and overseers; others 404."""
    round_ = db.session.get(VoteRound, round_id)
    if round_ is None or not (belongs_to_school(user, round_.school) or oversees(user, round_.school)):
        raise NotFound(_("No such vote round."))
    return round_


# -- objections ------------------------------------------------------------------------------------

def notice_open(round_: VoteRound, now: datetime | None = None) -> bool:
    """Objections are accepted while the notice runs."""
    now = now or utcnow()
    return round_.status is RoundStatus.notice and round_.notice_end_dt is not None and now < round_.notice_end_dt


def objection_options(round_: VoteRound) -> list[dict]:
    """The candidates on the notice one may object to."""
    return [_option(c) for c in round_.recommended()]


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
    db.session.add(objection)
    db.session.flush()
    cycle = round_.cycle
    instance = start_instance(
        engine, OBJECTION_PROCESS_ID, org=round_.school, actor=user, subject=user, confidential=True,
        title=f"对{candidate.teacher.display_name}的公示异议",
        data={
            "objection_id": objection.id, "round_id": round_.id, "candidate_name": candidate.teacher.display_name,
            "school_name": round_.school.name, "title_label": title_label(cycle, english=False),
            "title_label_en": title_label(cycle, english=True),
        },
    )
    objection.instance_id = instance.id
    link_to_instance(instance, evidence, uploaded_by=user)
    db.session.flush()
    return objection


def require_school_member(user: User, round_: VoteRound) -> None:
    """Only people of the school object to its notice; for others the action is out of scope (404)."""
    if not belongs_to_school(user, round_.school):
        raise NotFound(_("Only people of this school may object to its notice."))


def my_objections(user: User, round_: VoteRound) -> list[Objection]:
    """The user's own objections to a round, with the replies."""
    return list(db.session.scalars(
        select(Objection).filter_by(round_id=round_.id, objector_id=user.id).order_by(Objection.id)
    ))


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


def county_recommendations(user: User) -> list[VoteRound]:
    """Reported rounds of the counties (or wider areas) the user oversees at county level or above."""
    scopes = [org for role, org in user.role_scopes() if role in (Role.county_office, Role.city_office,
                                                                    Role.province_office, Role.sysadmin)]
    if not scopes:
        raise NotFound(_("No such page."))
    within = or_(*(Organisation.path.startswith(org.path, autoescape=True) for org in scopes))
    return list(db.session.scalars(
        select(VoteRound).join(Organisation, Organisation.id == VoteRound.school_id)
        .where(VoteRound.status == RoundStatus.reported, within)
        .order_by(VoteRound.cycle_id, VoteRound.level, VoteRound.category, Organisation.name)
    ))


def county_cycles(user: User) -> list[ApplicationCycle]:
    """Cycles of the counties where the user is the county office (they set the quotas)."""
    counties = [org.id for role, org in user.role_scopes() if role is Role.county_office]
    if not counties:
        raise NotFound(_("No such page."))
    return list(db.session.scalars(
        select(ApplicationCycle).where(ApplicationCycle.county_id.in_(counties))
        .order_by(ApplicationCycle.year.desc(), ApplicationCycle.level, ApplicationCycle.category)
    ))


def set_quota(user: User, cycle_id: int, mode: str, value: str) -> ApplicationCycle:
    """The county office sets a cycle's school quota: a share of headcount or a fixed number."""
    cycle = next((c for c in county_cycles(user) if c.id == cycle_id), None)
    if cycle is None:
        raise NotFound(_("No such call for applications."))
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if mode == "ratio" and 0 < number <= 1:
        cycle.quota_mode, cycle.quota_value = "ratio", number
    elif mode == "absolute" and number >= 0 and number == int(number) and number <= 1000:
        cycle.quota_mode, cycle.quota_value = "absolute", int(number)
    else:
        raise InvalidInput(_("A share must be a number above 0 and at most 1 (e.g. 0.05); a number of places a whole number from 0 to 1000."), [])
    db.session.flush()
    return cycle
