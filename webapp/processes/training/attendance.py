"""Attendance of the centralised sessions, and the rule applied when they end."""
from __future__ import annotations

from flask_babel import gettext as _

from ...core.errors import InvalidInput
from ...extensions import db
from ...forms import FieldError
from . import notices, rules
from .base import require_stage
from .models import Attendance, AttendanceMark, CohortStatus, Trainee, TraineeStatus, TrainingCohort


def record_attendance(cohort: TrainingCohort, marks: dict[tuple[int, int], str]) -> int:
    """Store marks ((trainee id, session id) → mark) for trainees in training; all or nothing."""
    require_stage(cohort, CohortStatus.centralised)
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
