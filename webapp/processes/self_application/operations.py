"""Start, withdraw and read applications; the process itself lives in workflows/self_application.bpmn."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...core.errors import Conflict, NotFound
from ...engine.runtime import WorkflowEngine
from ...extensions import db
from ...models import (
    ApplicationCycle, AuditEvent, HumanTask, Organisation, ProcessInstance, TaskState, TitleHolding, TitleStatus, User, utcnow,
)
from ...roles import Role
from ...titles import title_label
from ...workflow.operations import cancel_instance, start_instance
from ...definitions.form_sets import form_library_for_instance_id, form_library_pinned
from ...workflow.display import describe
from ...workflow.history import latest_answers
from .models import Application, ApplicationStatus

PROCESS_ID = "self_application"
# A teacher may hold at most one live application per cycle.
LIVE_STATUSES = (
    ApplicationStatus.draft,
    ApplicationStatus.submitted,
    ApplicationStatus.returned,
    ApplicationStatus.ineligible,
    ApplicationStatus.accepted,
)


def teacher_school(teacher: User) -> Organisation:
    """The school where the user teaches; NotFound (the out-of-scope answer) if they are not a teacher."""
    if teacher.profile is None or not teacher.has_role(Role.teacher):
        raise NotFound(_("Only teachers can apply for a title."))
    return teacher.profile.school


def open_cycles(teacher: User) -> list[ApplicationCycle]:
    """Cycles of the teacher's county that accept applications now."""
    school = teacher_school(teacher)
    now = utcnow()
    return list(
        db.session.scalars(
            select(ApplicationCycle)
            .where(
                ApplicationCycle.county_id == school.parent_id,
                ApplicationCycle.opens_dt <= now,
                ApplicationCycle.deadline_dt >= now,
            )
            .order_by(ApplicationCycle.level, ApplicationCycle.category)
        )
    )


def renewable_titles(teacher: User, cycles: list[ApplicationCycle]) -> list[tuple[TitleHolding, ApplicationCycle]]:
    """The teacher's active titles with an open call of their level and category (a renewal goes through it)."""
    by_kind = {(c.level, c.category): c for c in cycles}
    titles = db.session.scalars(select(TitleHolding).where(TitleHolding.user_id == teacher.id,
                                                           TitleHolding.status == TitleStatus.active)
                                .order_by(TitleHolding.valid_until))
    return [(t, by_kind[(t.level, t.category)]) for t in titles if (t.level, t.category) in by_kind]


def renewable_title(teacher: User, title_id: int, cycle: ApplicationCycle) -> TitleHolding:
    """The teacher's own active title of the call's level and category, which a renewal renews;
    any other title is out of scope (NotFound)."""
    title = db.session.get(TitleHolding, title_id)
    if (title is None or title.user_id != teacher.id or title.status != TitleStatus.active
            or (title.level, title.category) != (cycle.level, cycle.category)):
        raise NotFound(_("You hold no such title to renew in this call."))
    return title


def start_application(engine: WorkflowEngine, teacher: User, cycle_id: int,
                      renewal_of: int | None = None) -> Application:
    """Open a draft application in a cycle; the declaration form becomes the teacher's first task.

    With `renewal_of` (a title the teacher holds, of the call's level and category) it is a
    renewal (续期申请): the eligibility rule also asks that every annual review of the term passed,
    and after the school's acceptance the county office approves the renewal.
    """
    cycle = next((c for c in open_cycles(teacher) if c.id == cycle_id), None)
    if cycle is None:
        raise NotFound(_("This call for applications is not open to you."))
    renewal = renewable_title(teacher, renewal_of, cycle) if renewal_of is not None else None
    existing = db.session.scalar(
        select(Application).where(
            Application.teacher_id == teacher.id,
            Application.cycle_id == cycle.id,
            Application.status.in_(LIVE_STATUSES),
        )
    )
    if existing is not None:
        raise Conflict(_("You already have an application in this call."))
    school = teacher_school(teacher)
    application = Application(
        teacher_id=teacher.id,
        school_id=school.id,
        cycle_id=cycle.id,
        level=cycle.level,
        category=cycle.category,
        subject=teacher.profile.subject,
        status=ApplicationStatus.draft,
        renewal_of_id=renewal.id if renewal is not None else None,
    )
    db.session.add(application)
    db.session.flush()
    # Stored in both languages: pages show the reader's (names stay as entered).
    title = f"{teacher.display_name} · {title_label(cycle.level, cycle.category, english=False)}"
    title_en = f"{teacher.display_name} · {title_label(cycle.level, cycle.category, english=True)}"
    if renewal is not None:
        title, title_en = f"{title}（续期）", f"{title_en} (renewal)"
    instance = start_instance(
        engine,
        PROCESS_ID,
        org=school,
        actor=teacher,
        subject=teacher,
        title=title,
        title_en=title_en,
        data={
            "application_id": application.id,
            "level": cycle.level,
            "category": cycle.category,
            "cycle_year": cycle.year,
            "application_deadline": cycle.deadline_dt.isoformat(),
            "teacher_name": teacher.display_name,
            "school_name": school.name,
            "renewal": renewal is not None,
        },
    )
    application.instance_id = instance.id
    db.session.flush()
    return application


def withdraw_application(engine: WorkflowEngine, teacher: User, application_id: int, reason: str | None) -> None:
    """Withdraw an own application, allowed until the school has taken up its review."""
    application = db.session.get(Application, application_id)
    if application is None or application.teacher_id != teacher.id:
        raise NotFound(_("No such application."))
    if application.status not in (
        ApplicationStatus.draft,
        ApplicationStatus.submitted,
        ApplicationStatus.returned,
        ApplicationStatus.ineligible,
    ):
        raise Conflict(_("This application can no longer be withdrawn."))
    open_tasks = db.session.scalars(
        select(HumanTask).filter_by(instance_id=application.instance_id, state=TaskState.open)
    ).all()
    if any(task.role is not Role.teacher and task.assignee_id is not None for task in open_tasks):
        raise Conflict(_("The school is already reviewing this application; ask the school to return it."))
    cancel_instance(engine, teacher, db.session.get(ProcessInstance, application.instance_id), "withdrawn", reason)
    application.status = ApplicationStatus.withdrawn
    application.decided_dt = utcnow()
    db.session.flush()


def my_applications(teacher: User) -> list[Application]:
    """The teacher's applications, newest first."""
    return list(
        db.session.scalars(
            select(Application).filter_by(teacher_id=teacher.id).order_by(Application.created_dt.desc(), Application.id.desc())
        )
    )


def my_open_steps(teacher: User) -> dict[int, HumanTask]:
    """The teacher's own open step per instance (instance id → step): where each application waits for them."""
    rows = db.session.scalars(
        select(HumanTask).filter_by(assignee_id=teacher.id, state=TaskState.open, process_id=PROCESS_ID)
        .order_by(HumanTask.id)
    )
    return {row.instance_id: row for row in rows}


def first_open_task(application: Application) -> HumanTask | None:
    """The application's earliest open step (where a new application lands)."""
    return db.session.scalar(
        select(HumanTask).filter_by(instance_id=application.instance_id, state=TaskState.open).order_by(HumanTask.id)
    )


# The steps where the teacher fills the declaration form (first filing, then corrections).
DECLARATION_STEPS = ("fill_declaration", "correct_application")


def declaration_of(application: Application) -> tuple[str | None, dict | None]:
    """The form file and answers of the application's latest declaration, (None, None) if none yet."""
    if not application.instance_id:
        return None, None
    return latest_answers(application.instance_id, DECLARATION_STEPS)


def declaration_entries(application: Application) -> list:
    """The latest declaration as label/value entries, labelled by the form set the application's
    instance was pinned to (the form the teacher filled, not a form published since)."""
    form_file, answers = declaration_of(application)
    return describe(form_file, answers, form_library_for_instance_id(application.instance_id)) if answers else []


def _latest_declarations(application_ids: Iterable[int], *columns):
    """Rows (application id, form file, answers, *columns) of each application's latest declaration,
    in one query; `columns` may name the application's instance's columns."""
    ids = sorted(set(application_ids))
    if not ids:
        return []
    latest = (select(func.max(AuditEvent.id)).join(Application, Application.instance_id == AuditEvent.instance_id)
              .where(Application.id.in_(ids), AuditEvent.action == "completed",
                     AuditEvent.task_name.in_(DECLARATION_STEPS))
              .group_by(AuditEvent.instance_id))
    query = (select(Application.id, AuditEvent.form_file, AuditEvent.data, *columns)
             .join(AuditEvent, AuditEvent.instance_id == Application.instance_id)
             .where(AuditEvent.id.in_(latest), Application.id.in_(ids)))
    if columns:
        query = query.join(ProcessInstance, ProcessInstance.id == Application.instance_id)
    return db.session.execute(query).all()


def declarations_of(application_ids: Iterable[int]) -> dict[int, tuple[str | None, dict | None]]:
    """`declaration_of` for many applications at once (one query): application id → (form file, answers).

    An application without a declaration yet is absent.
    """
    return {application_id: (form_file, data)
            for application_id, form_file, data in _latest_declarations(application_ids)}


def declaration_entries_of(application_ids: Iterable[int]) -> dict[int, list]:
    """`declaration_entries` for many applications at once, in one query: application id → label/value
    entries, each labelled by the form set its instance was pinned to (the libraries are cached per
    form set). An application without a declaration yet is absent.
    """
    return {application_id: describe(form_file, answers, form_library_pinned(form_set, org_path))
            for application_id, form_file, answers, form_set, org_path
            in _latest_declarations(application_ids, ProcessInstance.form_set, ProcessInstance.org_path)
            if answers}
