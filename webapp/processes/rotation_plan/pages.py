"""Pages of the annual plan: open it, quotas, due lists, nominations, volunteering, matching."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...core.errors import NotFound
from ...extensions import db
from ...transaction import committing
from . import access, nominations, placing
from .blueprint import bp
from .due import county_schools
from .models import FORMS, DueEntry, PlanStatus, RotationPlan, Volunteer
from .plans import open_plan, parse_plan_form, quota_table, set_quotas
from .teacher import teacher_view
from .validation import FieldErrors


@bp.get("/")
@login_required
def index():
    """The county office's plans, a school administrator's plans, a teacher's due reasons and rotations."""
    return _index(FieldErrors(), {})


def _index(errors: FieldErrors, values: dict, status: int = 200):
    counties = access.office_counties(current_user)
    plans = list(db.session.scalars(select(RotationPlan).where(RotationPlan.county_id.in_([c.id for c in counties]))
                                    .order_by(RotationPlan.year.desc()))) if counties else []
    return render_template("rotation_plan/index.html", counties=counties, plans=plans, errors=errors, values=values,
                           school_plans=access.school_plans(current_user), teacher=teacher_view(current_user)), status


@bp.post("/plans")
@login_required
@committing
def create_plan():
    """Open the year's plan: due lists are computed, then the schools are asked to nominate."""
    county = access.office_county(current_user, request.form.get("county_id", type=int))
    values, errors = parse_plan_form(request.form)
    if errors:
        db.session.rollback()
        return _index(errors, request.form, 422)
    plan = open_plan(current_app.extensions["workflow_engine"], current_user, county, values)
    flash(_("The %(year)s plan is open. Set each school's quotas: schools with a sending quota are asked to nominate.",
            year=plan.year), "success")
    return redirect(url_for("rotation_plan.quotas", plan_id=plan.id))


@bp.get("/plans/<int:plan_id>")
@login_required
def plan_page(plan_id: int):
    """The plan at a glance for the county office."""
    plan = access.office_plan(current_user, plan_id)
    return render_template("rotation_plan/plan.html", plan=plan, counts=_counts(plan),
                           responses=placing.latest_responses(plan))


def _counts(plan: RotationPlan) -> dict:
    due_people = {uid for (uid,) in db.session.execute(select(DueEntry.user_id).filter_by(plan_id=plan.id))}
    counted = nominations.nominated_counts(plan)
    return {"due": len(due_people), "nominated": sum(counted.values()),
            "volunteers": len(db.session.scalars(select(Volunteer.id).filter_by(plan_id=plan.id)).all()),
            "sends": sum(q.sends for q in plan.quotas), "receives": sum(q.receives for q in plan.quotas)}


@bp.get("/plans/<int:plan_id>/quotas")
@login_required
def quotas(plan_id: int):
    """Every school's sending and receiving quota per form."""
    plan = access.office_plan(current_user, plan_id)
    return _quotas(plan, FieldErrors(), None)


def _quotas(plan, errors, posted, status=200):
    return render_template("rotation_plan/quotas.html", plan=plan, schools=county_schools(plan.county), forms=FORMS,
                           table=quota_table(plan), errors=errors, posted=posted,
                           counted=nominations.nominated_counts(plan)), status


@bp.post("/plans/<int:plan_id>/quotas")
@login_required
@committing
def save_quotas(plan_id: int):
    """Save the quotas (all or nothing)."""
    plan = access.office_plan(current_user, plan_id)
    errors = set_quotas(plan, request.form, current_user)
    if errors:
        db.session.rollback()
        return _quotas(access.office_plan(current_user, plan_id), errors, request.form, 422)
    flash(_("Quotas saved."), "success")
    return redirect(url_for("rotation_plan.quotas", plan_id=plan.id))


@bp.get("/plans/<int:plan_id>/due")
@login_required
def due_list(plan_id: int):
    """The county's due list: each person, their school, and why they are due."""
    plan = access.office_plan(current_user, plan_id)
    entries = db.session.scalars(select(DueEntry).filter_by(plan_id=plan.id)
                                 .options(selectinload(DueEntry.user), selectinload(DueEntry.school))
                                 .order_by(DueEntry.school_id, DueEntry.user_id, DueEntry.rule)).all()
    return render_template("rotation_plan/due.html", plan=plan, entries=entries)


@bp.get("/plans/<int:plan_id>/schools/<int:school_id>")
@login_required
def school_page(plan_id: int, school_id: int):
    """A school's due list with reasons, its volunteers and nominations, and the forms to nominate."""
    plan, school = _school_scope(plan_id, school_id)
    return _school(plan, school, FieldErrors(), {}, None)


def _school_scope(plan_id: int, school_id: int):
    plan = db.session.get(RotationPlan, plan_id)
    if plan is None:
        raise NotFound(_("This page does not exist, or you may not see it."))
    return plan, access.admin_school(current_user, plan, school_id)


def _school(plan, school, errors, values, which, status=200):
    sent, received = placing.school_rotations(plan, school)
    quota = {form: row for (sid, form), row in quota_table(plan).items() if sid == school.id}
    return render_template(
        "rotation_plan/school.html", plan=plan, school=school, due=nominations.school_due(plan, school),
        volunteers=nominations.school_volunteers(plan, school), answers=nominations.school_nominations(plan, school),
        staff=nominations.school_staff(school, plan.start_date), schools=county_schools(plan.county), forms=FORMS,
        quota=quota, counted=nominations.nominated_counts(plan), errors=errors, values=values, which=which,
        sent=sent, received=received), status


@bp.post("/plans/<int:plan_id>/schools/<int:school_id>/<any(nominate, exempt):action>")
@login_required
@committing
def school_action(plan_id: int, school_id: int, action: str):
    """Nominate a person in a form, or exempt a due person with a reason."""
    plan, school = _school_scope(plan_id, school_id)
    operation = nominations.nominate if action == "nominate" else nominations.exempt
    errors = operation(current_user, plan, school, request.form)
    if errors:
        db.session.rollback()
        plan, school = _school_scope(plan_id, school_id)
        return _school(plan, school, errors, request.form, action, 422)
    flash(_("Nomination saved.") if action == "nominate" else _("Exemption recorded."), "success")
    return redirect(url_for("rotation_plan.school_page", plan_id=plan_id, school_id=school_id))


@bp.post("/plans/<int:plan_id>/schools/<int:school_id>/answers/<int:nomination_id>/withdraw")
@login_required
@committing
def withdraw(plan_id: int, school_id: int, nomination_id: int):
    """Take back a nomination or exemption."""
    plan, school = _school_scope(plan_id, school_id)
    nominations.withdraw(current_user, plan, school, nomination_id)
    flash(_("Taken back."), "success")
    return redirect(url_for("rotation_plan.school_page", plan_id=plan_id, school_id=school_id))


@bp.post("/plans/<int:plan_id>/volunteer")
@login_required
@committing
def volunteer(plan_id: int):
    """A teacher volunteers for this year's rotation."""
    plan = next((p for p in access.teacher_plans(current_user) if p.id == plan_id), None)
    if plan is None:
        raise NotFound(_("This page does not exist, or you may not see it."))
    errors = nominations.volunteer(current_user, plan, request.form)
    if errors:
        db.session.rollback()
        return _index(errors, request.form, 422)
    flash(_("You have volunteered. Your school administrator sees it when nominating."), "success")
    return redirect(url_for("rotation_plan.index"))


@bp.get("/plans/<int:plan_id>/matching")
@login_required
def matching(plan_id: int):
    """The placements with their reasons; run the solver, move someone by hand."""
    plan = access.office_plan(current_user, plan_id)
    return _matching(plan, {}, None)


def _matching(plan, errors, values, status=200):
    return render_template("rotation_plan/matching.html", plan=plan, rotations=placing.plan_rotations(plan),
                           schools=county_schools(plan.county), responses=placing.latest_responses(plan),
                           errors=errors, editable=plan.status is PlanStatus.matching), status


@bp.post("/plans/<int:plan_id>/matching")
@login_required
@committing
def run_matching(plan_id: int):
    """Run the assignment solver over every nominee."""
    plan = access.office_plan(current_user, plan_id)
    placed, unplaced = placing.run_matching(plan, current_user)
    flash(_("Matching done: %(placed)s placed, %(unplaced)s without an allowed place.", placed=placed,
            unplaced=unplaced), "success")
    return redirect(url_for("rotation_plan.matching", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/rotations/<int:rotation_id>/move")
@login_required
@committing
def move(plan_id: int, rotation_id: int):
    """Place one nominee by hand; a move that breaks a rule is refused with the rule named."""
    plan = access.office_plan(current_user, plan_id)
    refusal = placing.move(plan, rotation_id, request.form.get("school_id", type=int) or 0, current_user)
    if refusal:
        db.session.rollback()
        return _matching(access.office_plan(current_user, plan_id), {rotation_id: refusal}, None, 422)
    flash(_("Placement changed."), "success")
    return redirect(url_for("rotation_plan.matching", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/rotations/<int:rotation_id>/personnel")
@login_required
@committing
def personnel(plan_id: int, rotation_id: int):
    """Whether the personnel relationship moves with the teacher (most rotations keep it at home)."""
    plan = access.office_plan(current_user, plan_id)
    placing.set_personnel(plan, rotation_id, request.form.get("moved") == "1", current_user)
    flash(_("Placement changed."), "success")
    return redirect(url_for("rotation_plan.matching", plan_id=plan_id))
