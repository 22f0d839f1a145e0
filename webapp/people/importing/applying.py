"""Apply checked rows in bulk, in the caller's transaction (all or nothing): new people are
inserted, people already known by identity number are updated, roles are added (audited)."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from ...extensions import db
from ...imports.bulk import insert_rows
from ...imports.lookup import matching
from ...models import EmploymentRecord, RoleAssignment, TeacherProfile, User
from ...models.base import utcnow
from ...roles import Role
from ..models import RoleGrantEvent
from .checking import Teacher
from .sheet import GRADE_OF_TITLE

CHUNK = 1000


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def apply_teachers(teachers: list[Teacher], existing: dict[str, User], *, actor_id: int, password_hash: str,
                   reason: str, progress: Callable[[int], None] | None = None) -> dict:
    """Insert or update every teacher; returns counts (created, updated, roles granted)."""
    now = utcnow()
    new = [t for t in teachers if t.id_number not in existing]
    known = [t for t in teachers if t.id_number in existing]
    ids: dict[str, int] = {number: user.id for number, user in existing.items()}
    done = 0
    for chunk in _chunks(new, 10_000):
        insert_rows(User, [
            {"username": t.username, "display_name": t.name, "password_hash": password_hash, "locale": None,
             "is_active_flag": True, "notify_by_email": True, "must_change_password": True,
             "id_number": t.id_number, "created_dt": now} for t in chunk])
        # The new ids read back by identity number (unique), not by RETURNING: see insert_rows.
        for condition in matching(User.id_number, [t.id_number for t in chunk]):
            ids.update((number, user_id) for user_id, number in db.session.execute(
                select(User.id, User.id_number).where(condition)))
        done += len(chunk)
        if progress:
            progress(done // 2)
    if known:
        db.session.execute(update(User), [{"id": ids[t.id_number], "display_name": t.name, "username": t.username}
                                          for t in known])
    user_ids = [ids[t.id_number] for t in teachers]
    profiles: dict[int, tuple[int, int]] = {}
    records: dict[int, int] = {}
    held: set[tuple[int, str, int]] = set()
    for condition in matching(TeacherProfile.user_id, user_ids):
        profiles.update({uid: (pid, school) for pid, uid, school in db.session.execute(
            select(TeacherProfile.id, TeacherProfile.user_id, TeacherProfile.school_id).where(condition))})
    for condition in matching(EmploymentRecord.user_id, user_ids):
        records.update({uid: rid for rid, uid in db.session.execute(
            select(EmploymentRecord.id, EmploymentRecord.user_id).where(condition))})
    for condition in matching(RoleAssignment.user_id, user_ids):
        held.update((uid, role.value, org) for uid, role, org in db.session.execute(
            select(RoleAssignment.user_id, RoleAssignment.role, RoleAssignment.org_id).where(condition)))
    profile_inserts, profile_updates, record_inserts, record_updates, role_inserts, events = [], [], [], [], [], []
    moved: list[tuple[int, int]] = []
    for t in teachers:
        uid = ids[t.id_number]
        facts = {"school_id": t.school_id, "gender": t.gender, "birth_date": t.birth_date,
                 "teaching_start_date": t.teaching_start_date, "professional_title": t.title,
                 "education": t.education, "subject": t.subject}
        if uid in profiles:
            profile_updates.append({"id": profiles[uid][0], **facts})
            if profiles[uid][1] != t.school_id:
                moved.append((uid, profiles[uid][1]))
        else:
            profile_inserts.append({"user_id": uid, "has_teacher_qualification": True, "has_it_certificate": False,
                                    "open_classes_5y": 0, "papers_awarded_5y": 0, "research_projects_5y": 0,
                                    "prizes_5y": 0, **facts})
        record = {"hire_date": t.hire_date, "title_grade": GRADE_OF_TITLE[t.title], "subject": t.subject}
        if uid in records:
            record_updates.append({"id": records[uid], **record})
        else:
            record_inserts.append({"user_id": uid, "plans_senior_title": False, **record})
        for role in t.roles:
            if (uid, role, t.school_id) not in held:
                held.add((uid, role, t.school_id))
                role_inserts.append({"user_id": uid, "role": Role(role), "org_id": t.school_id})
                events.append({"user_id": uid, "role": Role(role), "org_id": t.school_id, "action": "grant",
                               "actor_id": actor_id, "reason": reason, "created_dt": now})
    revoked = _move_teacher_roles(moved, actor_id, reason, now)
    for table, rows in ((TeacherProfile, profile_inserts), (EmploymentRecord, record_inserts),
                        (RoleAssignment, role_inserts), (RoleGrantEvent, events)):
        insert_rows(table, rows)
    for table, rows in ((TeacherProfile, profile_updates), (EmploymentRecord, record_updates)):
        for chunk in _chunks(rows):
            db.session.execute(update(table), chunk)
    if progress:
        progress(len(teachers))
    return {"created": len(new), "updated": len(known), "roles_granted": len(role_inserts), "moved": len(moved),
            "roles_revoked": revoked}


def _move_teacher_roles(moved: list[tuple[int, int]], actor_id: int, reason: str, now) -> int:
    """A teacher who changed school keeps no teacher role at the old one (audited)."""
    count = 0
    for uid, old_school in moved:
        assignment = db.session.scalar(select(RoleAssignment).where(
            RoleAssignment.user_id == uid, RoleAssignment.role == Role.teacher, RoleAssignment.org_id == old_school))
        if assignment is not None:
            db.session.delete(assignment)
            db.session.add(RoleGrantEvent(user_id=uid, role=Role.teacher, org_id=old_school, action="revoke",
                                          actor_id=actor_id, reason=reason, created_dt=now))
            count += 1
    return count
