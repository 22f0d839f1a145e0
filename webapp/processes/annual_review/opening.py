"""Opening the annual review of a school year: one instance per active title of a county, set-based.

Every instance of one level × category starts identically (the rules table reads only level and
category), so the diagram is run once per pair up to its first wait (the holder's summary) and
that state is copied for each holder with only the review id changed; instances, inbox rows,
reminders, announcements and audit rows are then inserted in bulk. A county of a few hundred
holders opens in well under a second, a province's 40,000 in under a minute
(`bench/bench_annual.py`). The copied state is exactly what `start_instance` would have stored:
the later steps run through the ordinary service layer.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import insert, select, update, bindparam

from ...core.errors import Conflict
from ...engine.human_tasks import new_row_values
from ...engine.runtime import WorkflowEngine
from ...engine.serialization import workflow_state_to_json
from ...extensions import db
from ...models import (
    AuditEvent, HumanTask, InstanceStatus, Organisation, ProcessInstance, TaskState,
    TeacherProfile, TitleHolding, TitleStatus, User, utcnow,
)
from .models import AnnualReview, AnnualReviewRound, AnnualReviewStatus
from .schoolyear import SchoolYear

PROCESS_ID = "annual_review"
FIRST_STEP = "submit_summary"
# Stands for the review id in the template state (no other number in a fresh state looks like it).
SENTINEL = 987650000012345
CHUNK = 2000


@dataclass(frozen=True)
class _Template:
    """One level × category's state at its first wait, and its first inbox row."""

    version_id: int
    state_json: str
    row: dict
    reminder_dt: object
    announced: bool


def _template(engine: WorkflowEngine, level: str, category: str, year: SchoolYear, school: Organisation) -> _Template:
    """Run the diagram once to the holder's summary and keep what every copy needs."""
    version_id = engine.current_version_id(PROCESS_ID)
    workflow = engine.new_workflow(PROCESS_ID)
    workflow.get_tasks(state=SpiffState.READY)[0].data.update(
        review_id=SENTINEL, level=level, category=category, school_year=year.start_year,
        school_year_label=year.label(False), school_year_label_en=year.label(True))
    workflow.do_engine_steps()
    ready = workflow.get_tasks(state=SpiffState.READY, manual=True)
    if len(ready) != 1 or ready[0].task_spec.name != FIRST_STEP:
        raise RuntimeError(f"annual_review must wait at {FIRST_STEP} first, not at {[t.task_spec.name for t in ready]}")
    state_json = workflow_state_to_json(workflow)
    if str(SENTINEL) not in state_json:
        raise RuntimeError("the review id is missing from the template state")
    now = utcnow()
    probe = ProcessInstance(process_id=PROCESS_ID, org_path=school.path, org_id=school.id, title="", state_json="")
    row = new_row_values(probe, ready[0], workflow, now)
    values = {column: row[column] for column in (
        "process_id", "bpmn_task_id", "task_name", "title", "title_en", "role", "form_file", "ui_form_file",
        "instructions", "instructions_en", "due_dt", "panel", "secret_handler", "personal")}
    values["personal"] = True
    reminder = row["reminder_dt"]
    announced = row["announce_dt"] is not None
    if probe in db.session:
        db.session.expunge(probe)
    return _Template(version_id, state_json, values, reminder, announced)


def active_titles(county: Organisation, school_year: int) -> list[tuple[TitleHolding, int | None, str]]:
    """(title, managing school id, holder's name) for each title in force in the county not yet
    under review for the year."""
    reviewed = select(AnnualReview.title_id).where(AnnualReview.school_year == school_year)
    rows = db.session.execute(
        select(TitleHolding, TeacherProfile.school_id, User.display_name)
        .join(User, User.id == TitleHolding.user_id)
        .outerjoin(TeacherProfile, TeacherProfile.user_id == TitleHolding.user_id)
        .where(TitleHolding.county_id == county.id, TitleHolding.status == TitleStatus.active,
               TitleHolding.id.not_in(reviewed))
        .order_by(TitleHolding.id)).all()
    return [(title, school_id or title.org_id, name) for title, school_id, name in rows]


def open_annual_review(engine: WorkflowEngine, actor: User | None, county: Organisation, school_year: int) -> AnnualReviewRound:
    """Open the county's review of a school year: an instance per active title (refused if open already)."""
    if db.session.scalar(select(AnnualReviewRound.id).filter_by(county_id=county.id, school_year=school_year)):
        raise Conflict(_("The annual review of this school year is already open."))
    year = SchoolYear(school_year)
    round_ = AnnualReviewRound(county_id=county.id, school_year=school_year, opened_by_id=actor.id if actor else None)
    db.session.add(round_)
    db.session.flush()
    engine = engine.for_organisation(county)
    holders = active_titles(county, school_year)
    schools = {org.id: org for org in db.session.scalars(
        select(Organisation).where(Organisation.id.in_({school_id for _t, school_id, _n in holders if school_id})))}
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for title, school_id, name in holders:
        if school_id in schools:
            groups[(title.level, title.category)].append((title, schools[school_id], name))
    opened = 0
    for (level, category), members in groups.items():
        template = _template(engine, level, category, year, members[0][1])
        for start in range(0, len(members), CHUNK):
            opened += _insert_chunk(template, round_, county, year, members[start:start + CHUNK], actor)
    round_.reviews_opened = opened
    db.session.flush()
    return round_


def _insert_chunk(template: _Template, round_: AnnualReviewRound, county: Organisation, year: SchoolYear,
                  members: list, actor: User | None) -> int:
    """Reviews, instances, inbox rows, reminders, announcements and audit rows of up to CHUNK holders."""
    now = utcnow()
    review_ids = db.session.scalars(
        insert(AnnualReview).returning(AnnualReview.id, sort_by_parameter_order=True),
        [{"round_id": round_.id, "title_id": title.id, "user_id": title.user_id, "county_id": county.id,
          "school_id": school.id, "school_year": year.start_year, "status": AnnualReviewStatus.summary,
          "created_dt": now} for title, school, _name in members]).all()
    sentinel = str(SENTINEL)
    instance_rows = []
    for (title, school, name), review_id in zip(members, review_ids):
        instance_rows.append({
            "version_id": template.version_id, "process_id": PROCESS_ID, "status": InstanceStatus.running,
            "subject_user_id": title.user_id, "org_id": school.id, "org_path": school.path,
            "title": f"{name} · {year.label(False)}年度考核"[:300],
            "title_en": f"Annual review {year.start_year}–{year.start_year + 1}: {name}"[:300],
            "state_json": template.state_json.replace(sentinel, str(review_id)),
            "started_by_id": actor.id if actor else None, "created_dt": now, "updated_dt": now,
            "lock_version": 1, "confidential": False})
    instance_ids = db.session.scalars(
        insert(ProcessInstance).returning(ProcessInstance.id, sort_by_parameter_order=True), instance_rows).all()
    db.session.execute(
        update(AnnualReview.__table__).where(AnnualReview.__table__.c.id == bindparam("rid"))
        .values(instance_id=bindparam("iid")),
        [{"rid": review_id, "iid": instance_id} for review_id, instance_id in zip(review_ids, instance_ids)])
    task_rows = []
    for (title, school, _name), instance_id, instance in zip(members, instance_ids, instance_rows):
        task_rows.append({**template.row, "instance_id": instance_id, "org_id": school.id,
                          "subject_user_id": title.user_id, "subject_name": instance["title"][:100],
                          "subject_name_en": instance["title_en"][:100], "assignee_id": title.user_id,
                          "created_dt": now, "state": TaskState.open, "reminder_dt": template.reminder_dt,
                          "announce_dt": now if template.announced else None})
    db.session.execute(insert(HumanTask), task_rows)
    db.session.execute(insert(AuditEvent), [{"instance_id": instance_id, "actor_id": actor.id if actor else None,
                                             "action": "started", "created_dt": now} for instance_id in instance_ids])
    return len(instance_ids)
