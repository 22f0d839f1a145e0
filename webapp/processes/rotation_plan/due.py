"""The year's due lists: every person of the county, their service facts, and the `rotation_due` table.

The rules (and every threshold) live in `workflows/rotation_due.dmn`; this module only computes the
facts and stores what the table says, with its reasons in both languages. Backbone and famous
teachers come from `TitleHolding` until the title register (issue 14) exists.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import delete, select

from ...engine.runtime import WorkflowEngine
from ...extensions import db
from ...models import EmploymentRecord, Organisation, OrgKind, Posting, PostingKind, TitleHolding
from .facts import SchoolFacts, Stint, current_stint, person_facts
from .models import DueEntry, RotationPlan, Rotation, RotationStatus

DECISION = "rotation_due"
TITLE_CATEGORIES = ("famous_teacher", "academic_leader", "backbone")


def county_schools(county: Organisation) -> list[Organisation]:
    """The schools of a county, by name."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.kind == OrgKind.school,
                                   Organisation.path.startswith(county.path, autoescape=True))
        .order_by(Organisation.code)
    ))


def county_stints(county: Organisation) -> dict[int, list[Stint]]:
    """user id → every posting of the people who ever served in the county (all their schools)."""
    schools = {s.id: SchoolFacts(s.id, s.is_rural, s.is_weak, s.supervision_district) for s in county_schools(county)}
    rows = db.session.scalars(select(Posting).where(Posting.school_id.in_(schools))).all()
    stints: dict[int, list[Stint]] = defaultdict(list)
    for row in rows:
        stints[row.user_id].append(Stint(schools[row.school_id], row.position.value, row.start_date, row.end_date,
                                         row.kind is PostingKind.rotation))
    return stints


def rotating_user_ids(plan: RotationPlan) -> set[int]:
    """People already placed by another plan for a period overlapping this plan's."""
    return set(db.session.scalars(
        select(Rotation.user_id).where(Rotation.plan_id != plan.id, Rotation.status != RotationStatus.completed,
                                       Rotation.start_date < plan.end_date, Rotation.end_date > plan.start_date)
    ))


def title_holder_ids(user_ids, on: date) -> set[int]:
    """People holding a famous-teacher, academic-leader or backbone title valid on `on`."""
    return set(db.session.scalars(
        select(TitleHolding.user_id).where(
            TitleHolding.user_id.in_(user_ids), TitleHolding.active.is_(True),
            TitleHolding.category.in_(TITLE_CATEGORIES), TitleHolding.valid_from <= on, TitleHolding.valid_until >= on)
    ))


def decide(engine: WorkflowEngine, facts: dict) -> list[dict]:
    """The rows of the due table that match one person's facts ({rule, form, reason_zh, reason_en})."""
    table = engine.library.parser.get_engine(DECISION, None)
    # The DMN engine needs only a task's data and the workflow's (sandboxed) script engine.
    task = SimpleNamespace(data={"person": facts}, workflow=SimpleNamespace(script_engine=engine.script_engine))
    return table.result(task).get("due", [])


def compute_due_lists(plan: RotationPlan, engine: WorkflowEngine | None = None) -> int:
    """Replace the plan's due lists with what the rules say now; returns how many entries."""
    # The county's own published variant of the table applies, if it has one.
    engine = (engine or current_app.extensions["workflow_engine"]).for_organisation(plan.county)
    on = plan.start_date
    stints = county_stints(plan.county)
    records = {r.user_id: r for r in db.session.scalars(
        select(EmploymentRecord).where(EmploymentRecord.user_id.in_(stints)))}
    holders = title_holder_ids(list(stints), on)
    rotating = rotating_user_ids(plan)
    db.session.execute(delete(DueEntry).where(DueEntry.plan_id == plan.id))
    entries = []
    for user_id, person_stints in stints.items():
        record = records.get(user_id)
        facts = person_facts(person_stints, hire_date=record.hire_date if record else None,
                             title_grade=record.title_grade if record else None,
                             plans_senior=bool(record and record.plans_senior_title),
                             holds_title=user_id in holders, rotating=user_id in rotating, on=on)
        if facts is None:
            continue
        school_id = current_stint(person_stints, on).school.id
        for row in decide(engine, facts):
            entries.append(DueEntry(plan_id=plan.id, user_id=user_id, school_id=school_id, rule=row["rule"],
                                    form=row.get("form") or "", reason_zh=row["reason_zh"], reason_en=row["reason_en"]))
    db.session.add_all(entries)
    db.session.flush()
    return len(entries)
