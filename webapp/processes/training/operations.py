"""The training's actions outside the diagram: open a cohort, plan, attendance, practice, scores,
supplements, withdrawal, and who may see what. Nothing here commits (`@committing` does)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ...calendar import local_zone
from ...core.errors import Conflict, InvalidInput, NotFound
from ...engine.runtime import WorkflowEngine
from ...extensions import db
from ...forms import FieldError
from ...models import Organisation, OrgKind, RoleAssignment, User, utcnow
from ...roles import Role
from ...titles import call_title
from ...workflow.operations import start_instance
from ..county_review.models import ReviewCandidate, ReviewCandidateStatus, ReviewRound, ReviewStatus
from ..county_review.selection import staff_subjects
from . import notices, rules
from .models import (Attendance, AttendanceMark, CohortStatus, ComponentScore, PracticeRecord, PracticeStatus,
                     Trainee, TraineeStatus, TrainingCohort, TrainingSession)

PROCESS_ID = "training"
OPEN = (CohortStatus.planning, CohortStatus.centralised, CohortStatus.practice, CohortStatus.assessment)
# Supplements join the remaining sessions: only before the practice period starts.
SUPPLEMENT_STAGES = (CohortStatus.planning, CohortStatus.centralised)


def today() -> date:
    """Today in the county's time zone."""
    return utcnow().astimezone(local_zone()).date()


def _error(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError(path=(field,), label="", message=message)])


# -- who sees what ---------------------------------------------------------------------------------

def _county_roles(user: User, org_id: int) -> set[Role]:
    return {role for role, org in user.role_scopes() if org.id == org_id}


def is_office(user: User, cohort: TrainingCohort) -> bool:
    return Role.county_office in _county_roles(user, cohort.office_id)


def is_centre(user: User, cohort: TrainingCohort) -> bool:
    return Role.training_centre in _county_roles(user, cohort.office_id)


def cohort_for_staff(user: User, cohort_id: int) -> TrainingCohort:
    """A cohort the user runs (training centre) or oversees (county office); anyone else 404."""
    cohort = db.session.get(TrainingCohort, cohort_id)
    if cohort is None or not (is_office(user, cohort) or is_centre(user, cohort)):
        raise NotFound(_("No such training."))
    return cohort


def cohort_for_centre(user: User, cohort_id: int) -> TrainingCohort:
    """A cohort the user's training centre runs (plan, attendance, scores); anyone else 404."""
    cohort = db.session.get(TrainingCohort, cohort_id)
    if cohort is None or not is_centre(user, cohort):
        raise NotFound(_("No such training."))
    return cohort


def cohort_for_office(user: User, cohort_id: int) -> TrainingCohort:
    """A cohort of the user's county office (supplements, window); anyone else 404."""
    cohort = db.session.get(TrainingCohort, cohort_id)
    if cohort is None or not is_office(user, cohort):
        raise NotFound(_("No such training."))
    return cohort


def staff_counties(user: User) -> list[Organisation]:
    """Counties where the user is the office or the training centre."""
    seen = {}
    for role, org in user.role_scopes():
        if org.kind is OrgKind.county and role in (Role.county_office, Role.training_centre):
            seen[org.id] = org
    return list(seen.values())


def office_org(user: User, office_id: int) -> Organisation:
    """The county if the user is its office; anyone else 404."""
    org = next((org for role, org in user.role_scopes() if org.id == office_id and role is Role.county_office), None)
    if org is None:
        raise NotFound(_("No such page."))
    return org


def own_trainee(user: User, trainee_id: int) -> Trainee:
    trainee = db.session.get(Trainee, trainee_id)
    if trainee is None or trainee.teacher_id != user.id:
        raise NotFound(_("No such trainee."))
    return trainee


def mentored(user: User) -> list[Trainee]:
    """Trainees the user mentors (research staff of their subject)."""
    return list(db.session.scalars(select(Trainee).where(Trainee.mentor_id == user.id).order_by(Trainee.id)))


def trainings_of(user: User) -> list[Trainee]:
    """The user's own places in cohorts."""
    return list(db.session.scalars(select(Trainee).where(Trainee.teacher_id == user.id).order_by(Trainee.id.desc())))


def cohorts_of(office: Organisation) -> list[TrainingCohort]:
    return list(db.session.scalars(select(TrainingCohort).filter_by(office_id=office.id)
                                   .order_by(TrainingCohort.id.desc())))


def reviews_ready(office: Organisation) -> list[ReviewRound]:
    """Finished reviews of the county without a cohort yet."""
    taken = select(TrainingCohort.review_id)
    return list(db.session.scalars(select(ReviewRound).where(
        ReviewRound.office_id == office.id, ReviewRound.status == ReviewStatus.done,
        ReviewRound.id.not_in(taken)).order_by(ReviewRound.id)))


# -- opening ---------------------------------------------------------------------------------------

def mentor_for(county_id: int, subject: str) -> int | None:
    """The first research staff member of the county who serves the subject."""
    staff_ids = list(db.session.scalars(
        select(RoleAssignment.user_id).filter_by(role=Role.research_staff, org_id=county_id)
        .order_by(RoleAssignment.user_id)))
    serves = staff_subjects(county_id, staff_ids)
    return next((uid for uid in staff_ids if subject in serves[uid]),
                next((uid for uid in staff_ids if not serves[uid]), None))


def _trainee(cohort: TrainingCohort, candidate: ReviewCandidate, supplement: bool) -> Trainee:
    return Trainee(candidate_id=candidate.id, teacher_id=candidate.teacher_id, school_id=candidate.school_id,
                   subject=candidate.subject, mentor_id=mentor_for(cohort.office_id, candidate.subject),
                   supplement=supplement, joined_on=today())


def open_cohort(engine: WorkflowEngine, user: User, office: Organisation, review_id: int) -> TrainingCohort:
    """The county office opens the training of a finished review: its formal candidates are the cohort."""
    review = next((r for r in reviews_ready(office) if r.id == review_id), None)
    if review is None:
        raise NotFound(_("No such review."))
    formal = review.with_status(ReviewCandidateStatus.formal)
    if not formal:
        raise Conflict(_("This review has no formal candidates to train."))
    cohort = TrainingCohort(office_id=office.id, review_id=review.id, cycle_id=review.cycle_id, level=review.level,
                            category=review.category)
    db.session.add(cohort)
    db.session.flush()
    cohort.trainees = [_trainee(cohort, c, False) for c in formal]
    db.session.flush()
    instance = start_instance(
        engine, PROCESS_ID, org=office, actor=user,
        title=f"{office.name} · {call_title(review.cycle, english=False)} · 培养期",
        title_en=f"{office.name} · {call_title(review.cycle, english=True)} · training",
        data={"cohort_id": cohort.id, "level": review.level, "category": review.category,
              "office_name": office.name, "title_label": call_title(review.cycle, english=False),
              "title_label_en": call_title(review.cycle, english=True)},
    )
    cohort.instance_id = instance.id
    db.session.flush()
    return cohort


def apply_rules(cohort: TrainingCohort, decided: dict) -> None:
    """Keep the local rules: default weights (the plan may change them), threshold, rule, pass line."""
    weights = rules.parse_weights(str(decided["weights"]))
    if rules.weights_problem(weights):
        raise ValueError(f"training_rules: weights {decided['weights']!r} do not sum to 100")
    if not cohort.weights:
        cohort.weights = weights
    cohort.attendance_threshold = float(decided["attendance_threshold"])
    cohort.attendance_rule = "warn" if str(decided["attendance_rule"]) == "warn" else "eliminate"
    cohort.pass_line = float(decided["pass_line"])


# -- the plan --------------------------------------------------------------------------------------

def _require(cohort: TrainingCohort, *stages: CohortStatus) -> None:
    if cohort.status not in stages:
        raise Conflict(_("This cannot be done at the training's current stage."))


def save_plan(cohort: TrainingCohort, form) -> None:
    """Weights (must sum to 100), sessions, practice period and outputs, from the plan page's form.

    Rows: ``component_N``/``weight_N`` and ``session_day_N``/``session_hours_N``/``session_topic_N``.
    Everything is checked before anything is changed.
    """
    _require(cohort, CohortStatus.planning, CohortStatus.centralised)
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


# -- attendance ------------------------------------------------------------------------------------

def record_attendance(cohort: TrainingCohort, marks: dict[tuple[int, int], str]) -> int:
    """Store marks ((trainee id, session id) → mark) for trainees in training; all or nothing."""
    _require(cohort, CohortStatus.centralised)
    trainees = {t.id: t for t in cohort.trainees if t.status is TraineeStatus.active}
    sessions = {s.id for s in cohort.sessions}
    errors = []
    for (trainee_id, session_id), mark in marks.items():
        if trainee_id not in trainees or session_id not in sessions:
            errors.append(FieldError(path=(f"mark_{trainee_id}_{session_id}",), label="",
                                     message=_("Not a trainee or session of this training.")))
        elif mark not in {m.value for m in AttendanceMark}:
            errors.append(FieldError(path=(f"mark_{trainee_id}_{session_id}",), label="",
                                     message=_("Choose present, late, absent or on leave.")))
    if errors:
        raise InvalidInput(_("Nothing was saved: correct the marks below."), errors)
    existing = {(a.trainee_id, a.session_id): a for t in trainees.values() for a in t.marks}
    for (trainee_id, session_id), mark in marks.items():
        row = existing.get((trainee_id, session_id))
        if row is None:
            trainees[trainee_id].marks.append(Attendance(session_id=session_id, mark=AttendanceMark(mark)))
        else:
            row.mark = AttendanceMark(mark)
    db.session.flush()
    return len(marks)


def counted_hours(cohort: TrainingCohort, trainee: Trainee) -> dict[int, float]:
    """The sessions a trainee is measured on: those on or after the day they joined."""
    return {s.id: s.hours for s in cohort.sessions if s.day >= trainee.joined_on or not trainee.supplement}


def apply_attendance_rule(cohort: TrainingCohort) -> list[Trainee]:
    """End of the centralised training: under the threshold → eliminated or warned (local rule)."""
    flagged = []
    for trainee in cohort.trainees:
        if trainee.status is not TraineeStatus.active:
            continue
        rate = rules.attendance_rate(trainee.mark_map(), counted_hours(cohort, trainee))
        trainee.attendance_rate = rate
        if rate is not None and rate < cohort.attendance_threshold:
            flagged.append(trainee)
            if cohort.attendance_rule == "eliminate":
                trainee.status = TraineeStatus.eliminated
                trainee.status_reason = f"attendance|{rate:g}|{cohort.attendance_threshold:g}"
                notices.eliminated(cohort, trainee)
            else:
                trainee.attendance_warning = True
    cohort.status = CohortStatus.practice
    return flagged


# -- practice --------------------------------------------------------------------------------------

def submit_practice(user: User, trainee_id: int, kind: str, content: str, link: str) -> PracticeRecord:
    """The trainee hands in a practice record for their mentor."""
    trainee = own_trainee(user, trainee_id)
    if trainee.status is not TraineeStatus.active:
        raise Conflict(_("You are no longer in this training."))
    _require(trainee.cohort, CohortStatus.centralised, CohortStatus.practice)
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
        raise _error("decision", _("Choose accept or return."))
    if decision == "return" and not 5 <= len(comment) <= 1000:
        raise _error("comment", _("Write what to change (5 to 1000 characters)."))
    if len(comment) > 1000:
        raise _error("comment", _("At most 1000 characters."))
    record.status = PracticeStatus.accepted if decision == "accept" else PracticeStatus.returned
    record.mentor_comment = comment or None
    record.reviewed_dt = utcnow()
    db.session.flush()
    return record


def practice_finished(cohort: TrainingCohort) -> None:
    cohort.status = CohortStatus.assessment


# -- assessment ------------------------------------------------------------------------------------

def record_scores(cohort: TrainingCohort, scores: dict[tuple[int, str], str]) -> int:
    """Store component scores ((trainee id, component) → text of a number 0–100); all or nothing."""
    _require(cohort, CohortStatus.assessment)
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


# -- supplements and withdrawal --------------------------------------------------------------------

def set_supplement_window(cohort: TrainingCohort, raw: str) -> None:
    """The county office sets the last day supplements may join."""
    try:
        day = date.fromisoformat((raw or "").strip())
    except ValueError:
        raise _error("supplement_until", _("Enter the date as YYYY-MM-DD.")) from None
    if day < today():
        raise _error("supplement_until", _("The window cannot end in the past."))
    cohort.supplement_until = day
    db.session.flush()


def next_reserves(cohort: TrainingCohort) -> list[ReviewCandidate]:
    """The review's reserve list in rank order, without those already in the cohort."""
    taken = {t.candidate_id for t in cohort.trainees}
    review = db.session.get(ReviewRound, cohort.review_id)
    return [c for c in review.with_status(ReviewCandidateStatus.reserve) if c.id not in taken]


def add_supplements(cohort: TrainingCohort, raw_count: str) -> list[Trainee]:
    """Within the office's window, add the next `count` of the reserve list; they join the remaining sessions."""
    try:
        count = int(raw_count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 100:
        raise _error("count", _("Enter how many to add, from 1 to 100."))
    if cohort.supplement_until is None or today() > cohort.supplement_until:
        raise Conflict(_("The window for supplements is closed."))
    if cohort.status not in SUPPLEMENT_STAGES:
        raise Conflict(_("Supplements can join only before the practice period."))
    reserves = next_reserves(cohort)
    if len(reserves) < count:
        raise _error("count", _("Only %(count)d candidate(s) remain on the reserve list.", count=len(reserves)))
    added = [_trainee(cohort, candidate, True) for candidate in reserves[:count]]
    cohort.trainees.extend(added)
    db.session.flush()
    for trainee in added:
        notices.joined(cohort, trainee)
    return added


def withdraw(user: User, trainee_id: int, reason: str) -> Trainee:
    """A trainee leaves the training (before it is finished)."""
    trainee = own_trainee(user, trainee_id)
    if trainee.cohort.status not in OPEN:
        raise Conflict(_("The training is finished; to withdraw now, write to the county office."))
    if trainee.status is not TraineeStatus.active:
        raise Conflict(_("You are no longer in this training."))
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise _error("reason", _("At most 500 characters."))
    trainee.status = TraineeStatus.withdrawn
    trainee.status_reason = reason or None
    db.session.flush()
    return trainee
