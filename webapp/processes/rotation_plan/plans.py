"""Opening the year's plan and setting its quotas (county office)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ...calendar import local_zone
from ...core.errors import Conflict
from ...engine.runtime import WorkflowEngine
from ...extensions import db
from ...models import Organisation, User, utcnow
from ...workflow.operations import start_instance
from .audit import record
from .due import county_schools
from .models import FORMS, PlanQuota, PlanStatus, RotationPlan
from .validation import FieldErrors

PROCESS_ID = "rotation_plan"
MAX_QUOTA = 500


def local_midnight(day: date) -> datetime:
    """The start of a local day, as an aware time."""
    return datetime.combine(day, time(0, 0), tzinfo=local_zone())


def parse_plan_form(form) -> tuple[dict, FieldErrors]:
    """Year and dates of a new plan, each checked; errors by field, in the user's language."""
    errors = FieldErrors()
    today = utcnow().astimezone(local_zone()).date()
    year = errors.integer(form, "year", _("Year"), 2000, 2100)
    start = errors.date(form, "start_date", _("Start of the rotation"))
    end = errors.date(form, "end_date", _("End of the rotation"))
    deadline = errors.date(form, "nomination_deadline", _("Nomination deadline"))
    if start and end and end <= start:
        errors.add("end_date", _("The end must be after the start."))
    if deadline and deadline < today:
        errors.add("nomination_deadline", _("The nomination deadline cannot be in the past."))
    if deadline and start and deadline >= start:
        errors.add("nomination_deadline", _("Nominations must close before the rotation starts."))
    if start and end and (end - start).days > 3 * 366:
        errors.add("end_date", _("A rotation lasts at most three years."))
    return {"year": year, "start_date": start, "end_date": end, "nomination_deadline": deadline}, errors


def open_plan(engine: WorkflowEngine, user: User, county: Organisation, values: dict) -> RotationPlan:
    """Create the year's plan with empty quotas and start its process (due lists, then nominations)."""
    if db.session.scalar(select(RotationPlan.id).filter_by(county_id=county.id, year=values["year"])):
        raise Conflict(_("This county already has a rotation plan for %(year)s.", year=values["year"]))
    plan = RotationPlan(county_id=county.id, year=values["year"], start_date=values["start_date"],
                        end_date=values["end_date"], nomination_deadline=values["nomination_deadline"],
                        created_by_id=user.id, county=county)
    db.session.add(plan)
    db.session.flush()
    instance = start_instance(
        engine, PROCESS_ID, org=county, actor=user, title=f"{county.name} {plan.year} 年度交流轮岗计划",
        data={
            "plan_id": plan.id, "year": plan.year, "county_name": county.name,
            # Nominations close at the end of the deadline day; rotations start and end at local midnight.
            "nomination_deadline": local_midnight(plan.nomination_deadline + timedelta(days=1)).isoformat(),
            "start_at": local_midnight(plan.start_date).isoformat(),
            "end_at": local_midnight(plan.end_date).isoformat(),
        },
    )
    plan.instance_id = instance.id
    db.session.flush()
    return plan


def quota_table(plan: RotationPlan) -> dict[tuple[int, str], PlanQuota]:
    """(school id, form) → quota row."""
    return {(q.school_id, q.form): q for q in plan.quotas}


def set_quotas(plan: RotationPlan, form, actor: User | None = None) -> FieldErrors:
    """Save every school's quotas per form from the quota page (all or nothing); returns the errors."""
    if plan.status not in (PlanStatus.quotas, PlanStatus.nominating, PlanStatus.matching):
        raise Conflict(_("Quotas can be changed only until the matching is sent to the schools."))
    errors = FieldErrors()
    values = {}
    for school in county_schools(plan.county):
        for form_key in FORMS:
            for side in ("sends", "receives"):
                name = f"{side}-{school.id}-{form_key}"
                values[(school.id, form_key, side)] = errors.integer(form, name, name, 0, MAX_QUOTA, required=False) or 0
    if errors:
        return errors
    _refuse_quota_below_nominations(plan, values, errors)
    if errors:
        return errors
    table = quota_table(plan)
    for (school_id, form_key, side), number in values.items():
        row = table.get((school_id, form_key))
        if row is None:
            if not number:
                continue
            row = table[(school_id, form_key)] = PlanQuota(plan=plan, school_id=school_id, form=form_key)
            db.session.add(row)
        setattr(row, side, number)
    record(plan, actor, "rotation_quotas", f"{sum(v for (_s, _f, side), v in values.items() if side == 'sends')} / "
           f"{sum(v for (_s, _f, side), v in values.items() if side == 'receives')}")
    db.session.flush()
    return errors


def _refuse_quota_below_nominations(plan: RotationPlan, values: dict, errors: FieldErrors) -> None:
    """A sending quota may not drop below the nominations the school already made in that form."""
    from .nominations import nominated_counts

    for (school_id, form_key), count in nominated_counts(plan).items():
        if values.get((school_id, form_key, "sends"), 0) < count:
            errors.add(f"sends-{school_id}-{form_key}",
                       _("The school has already nominated %(count)s in this form.", count=count))
