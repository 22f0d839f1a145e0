"""Pages of the review: the office opens reviews and follows them; the per-candidate sheets post here;
the public notice and the printable result."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...core.errors import InstanceChanged, InvalidInput, NotFound
from ...extensions import db
from ...roles import Role
from ...transaction import committing
from ...workflow.operations import complete_task
from ...workflow.task_forms import read_form, task_context
from ..objection.operations import OBJECTION_FORM
from . import experts, objections, opening, operations, panels, selection, sheets
from .labels import CONFLICTS
from ...models import User
from .models import ReviewCandidate, ReviewEvent, ReviewRound
from .pools import pool_size, unreported_schools
from .stages import own_candidacy

bp = Blueprint("county_review", __name__, url_prefix="/review", template_folder="templates")


def _engine():
    return current_app.extensions["workflow_engine"]


def leader_reviews(user) -> list[ReviewRound]:
    """Reviews of the organisations where the user sits on the leading group."""
    orgs = [org.id for role, org in user.role_scopes() if role is Role.county_leader]
    if not orgs:
        return []
    return list(db.session.scalars(
        db.select(ReviewRound).where(ReviewRound.office_id.in_(orgs)).order_by(ReviewRound.id.desc())))


@bp.get("/")
@login_required
def index():
    """The office: each call with its pool, schools not yet reported, and its review. Leaders: their reviews."""
    offices = []
    for office in operations.office_orgs(current_user):
        reviews = operations.reviews_of(office)
        openings = opening.openings_of(office)
        calls = []
        for cycle in operations.calls_of(office):
            review = reviews.get(cycle.id)
            pool = 0 if review is not None else pool_size(cycle, office)
            calls.append((cycle, review, pool, unreported_schools(cycle, office) if review is None else [],
                          openings.get(cycle.id)))
        offices.append((office, calls))
    led = leader_reviews(current_user)
    if not offices and not led:
        raise NotFound(_("No such page."))
    return render_template("county_review/index.html", offices=offices, led=led)


@bp.post("/offices/<int:office_id>/cycles/<int:cycle_id>")
@login_required
@committing
def open_review(office_id: int, cycle_id: int):
    """Open the review of a call with its places."""
    office = operations.office_of(current_user, office_id)
    review = operations.open_review(_engine(), current_user, office, cycle_id,
                                    request.form.get("places_mode", ""), request.form.get("places_value", ""))
    flash(_("The review is open: check each candidate's materials in your inbox."), "success")
    return redirect(url_for("county_review.review_page", review_id=review.id))


@bp.post("/offices/<int:office_id>/cycles/<int:cycle_id>/opening")
@login_required
@committing
def schedule_opening(office_id: int, cycle_id: int):
    """Set the schools' reporting deadline and the places: the review then opens itself."""
    office = operations.office_of(current_user, office_id)
    form = request.form
    opening.schedule_opening(_engine(), current_user, office, cycle_id, form.get("report_deadline", ""),
                             form.get("places_mode", ""), form.get("places_value", ""))
    flash(_("Set: the schools not yet reported are reminded before the deadline, and the review opens itself when it passes."),
          "success")
    return redirect(url_for("county_review.index") + f"#call-{cycle_id}")


@bp.get("/<int:review_id>")
@login_required
def review_page(review_id: int):
    """Where the review stands, every candidate with status and (once ranked) score; printable result."""
    review = operations.managed_review(current_user, review_id)
    return _render_review(review, {}, {})


def _render_review(review, data, errors, status=200):
    events = db.session.scalars(db.select(ReviewEvent).filter_by(review_id=review.id).order_by(ReviewEvent.id)).all()
    returned = experts.returned_sheets(review) if operations.is_office_of(current_user, review) else []
    panels.preload_people(review.candidates)
    return render_template("county_review/review.html", review=review, events=events, returned=returned,
                           data=data, errors=errors), status


@bp.post("/<int:review_id>/sheets/<int:task_id>/hand-over")
@login_required
@committing
def hand_over(review_id: int, task_id: int):
    """The office hands a deactivated expert's score sheet to another expert."""
    review = operations.managed_review(current_user, review_id)
    if not operations.is_office_of(current_user, review):
        raise NotFound(_("No such review."))  # the leading group reads the review, the office acts
    try:
        new_holder = experts.hand_over(current_user, review, task_id, request.form.get("expert", type=int),
                                       request.form.get("reason", ""))
    except InvalidInput as refusal:
        db.session.rollback()
        data = {"task_id": task_id, "expert": request.form.get("expert", ""), "reason": request.form.get("reason", "")}
        return _render_review(operations.managed_review(current_user, review_id), data, _error_map(refusal.errors), 422)
    flash(_("The score sheet now belongs to %(name)s, who finds it in their inbox.", name=new_holder.display_name),
          "success")
    return redirect(url_for("county_review.review_page", review_id=review_id))


@bp.get("/<int:review_id>/notice")
@login_required
def notice(review_id: int):
    """The public notice (and, after it, the result) for everyone in the review's area."""
    review = operations.published_review(current_user, review_id)
    return _render_notice(review, {}, [])


def _render_notice(review, data, errors, status=200):
    """The notice with the objection form (and its errors) while it runs, and the reader's own objections."""
    panels.preload_people(review.candidates)
    form = None
    if objections.notice_open(review):
        form = current_app.extensions["form_library"].render(
            OBJECTION_FORM, None, data, errors, {"candidate_options": objections.objection_options(review)})
    return render_template("county_review/notice.html", review=review, mine=own_candidacy(current_user, review),
                           objection_form=form, errors=errors,
                           my_objections=objections.my_objections(current_user, review),
                           changes=objections.notice_changes(review)), status


@bp.post("/<int:review_id>/objections")
@login_required
@committing
def object_to(review_id: int):
    """Anyone of the review's area objects to a formal candidate while the notice runs; the office investigates."""
    review = operations.published_review(current_user, review_id)
    context = {"candidate_options": objections.objection_options(review)}
    data, errors, cited = read_form(OBJECTION_FORM, current_user, None, previous={}, context=context)
    if errors:
        db.session.rollback()
        return _render_notice(operations.published_review(current_user, review_id), data, errors, 422)
    objections.file_objection(_engine(), current_user, review, int(data["candidate"]), data["reason"], cited)
    flash(_("Your objection has been filed. The office will investigate and reply to you."), "success")
    return redirect(url_for("county_review.notice", review_id=review_id) + "#my-objections")


@bp.post("/candidates/<int:candidate_id>/withdraw")
@login_required
@committing
def withdraw(candidate_id: int):
    """A teacher withdraws from the review (before the ranking)."""
    operations.withdraw(current_user, candidate_id)
    flash(_("You have withdrawn from the review."), "success")
    return redirect(url_for("self_application.mine"))


# -- the sheets ------------------------------------------------------------------------------------

def _complete(task_id: int, step: str, answers: dict, attempts: int = 3):
    """Complete the user's step; a parallel sheet saved meanwhile makes it try again on the new state."""
    for attempt in range(attempts):
        task = sheets.sheet_task(current_user, task_id, step)
        try:
            complete_task(_engine(), current_user, task, answers)
            return task
        except InstanceChanged:
            if attempt == attempts - 1:
                raise
            db.session.rollback()
    raise AssertionError("unreachable")


def _refused(task, panel_html):
    """The sheet again, with the input kept and a message next to each wrong field."""
    db.session.rollback()
    return render_template("county_review/sheet_page.html", task=task, panel=panel_html), 422


def _error_map(errors) -> dict:
    return {error.path[0]: error.message for error in errors if error.path}


@bp.post("/tasks/<int:task_id>/candidates/<int:candidate_id>/materials")
@login_required
@committing
def decide_materials(task_id: int, candidate_id: int):
    """The office decides one candidate's materials (the step stays open for the others)."""
    task = sheets.sheet_task(current_user, task_id, "materials_check")
    candidate = next((c for c in sheets.review_of(task.instance_id).candidates if c.id == candidate_id), None)
    if candidate is None:
        raise NotFound(_("No such candidate."))
    form = request.form
    try:
        operations.decide_materials(_engine(), current_user, candidate_id, form.get("decision", ""),
                                    form.get("note", ""), form.get("due", ""), form.get("fast_track") == "true")
    except InvalidInput as refusal:
        data = {"candidate_id": candidate_id, "decision": form.get("decision", ""), "note": form.get("note", ""),
                "due": form.get("due", ""), "fast_track": form.get("fast_track") == "true"}
        db.session.rollback()
        task = sheets.sheet_task(current_user, task_id, "materials_check")
        context = {"rules": {}}
        return _refused(task, panels.materials_panel(task, context, data, _error_map(refusal.errors)))
    flash(_("Decision recorded."), "success")
    return redirect(url_for("workflow.task", task_id=task_id) + "#materials")


@bp.post("/tasks/<int:task_id>/finish-materials")
@login_required
@committing
def finish_materials(task_id: int):
    """End the materials check (refused while a candidate is open)."""
    task = _complete(task_id, "materials_check", {})
    flash(_("The materials check is finished; the research staff give their opinions next."), "success")
    return redirect(url_for("county_review.review_page", review_id=sheets.review_of(task.instance_id).id))


@bp.post("/tasks/<int:task_id>/assignments")
@login_required
@committing
def edit_assignment(task_id: int):
    """Swap an expert on one candidate's panel; a conflict of interest is refused with its reason."""
    task = sheets.sheet_task(current_user, task_id, "confirm_assignment")
    review = sheets.review_of(task.instance_id)
    remove_id = request.form.get("remove_expert", type=int)
    add_id = request.form.get("add_expert", type=int)
    reason = selection.edit_assignment(review, request.form.get("candidate_id", type=int) or 0, remove_id, add_id)
    if reason is not None:
        message = {"not_expert": _("This person is not an expert of the office."),
                   "already": _("This expert is already on the candidate's panel.")}.get(reason) \
            or _("Refused: %(reason)s.", reason=CONFLICTS[reason])
        db.session.rollback()
        task = sheets.sheet_task(current_user, task_id, "confirm_assignment")
        return _refused(task, panels.assignment_panel(task, {}, {"assignment": message}))
    names = {user.id: user.display_name for user in db.session.scalars(
        db.select(User).where(User.id.in_([i for i in (remove_id, add_id) if i])))}
    candidate = db.session.get(ReviewCandidate, request.form.get("candidate_id", type=int))
    operations.record(review, current_user, "panel_changed", candidate,
                      " / ".join(part for part in (f"− {names[remove_id]}" if remove_id else "",
                                                  f"+ {names[add_id]}" if add_id else "") if part) or None)
    flash(_("Panel changed."), "success")
    return redirect(url_for("workflow.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/confirm-assignment")
@login_required
@committing
def confirm_assignment(task_id: int):
    """Confirm the panels: each expert gets a score sheet."""
    task = _complete(task_id, "confirm_assignment", {})
    flash(_("The panels are confirmed; each expert has a score sheet in their inbox."), "success")
    return redirect(url_for("county_review.review_page", review_id=sheets.review_of(task.instance_id).id))


@bp.post("/tasks/<int:task_id>/opinions")
@login_required
@committing
def submit_opinions(task_id: int):
    """A research staff member's opinions on their subject's candidates."""
    task = sheets.sheet_task(current_user, task_id, "research_opinion")
    context = task_context(_engine(), task)
    review = sheets.review_of(task.instance_id)
    candidates = sheets.opinion_candidates(review, (context.get("opinion_task") or {}).get("subject_code", ""))
    answers, errors = sheets.read_opinions(request.form, candidates)
    if errors:
        return _refused(task, panels.opinion_panel(task, context, request.form.to_dict(), _error_map(errors)))
    _complete(task_id, "research_opinion", answers)
    flash(_("Your opinions have been recorded."), "success")
    return redirect(url_for("workflow.inbox"))


@bp.post("/tasks/<int:task_id>/scores")
@login_required
@committing
def submit_scores(task_id: int):
    """An expert's score sheet, once: every assigned candidate, every criterion in range."""
    task = sheets.sheet_task(current_user, task_id, "expert_scoring")
    review = sheets.review_of(task.instance_id)
    answers, errors = sheets.read_scores(request.form, review.rubric, sheets.open_assignments(review, current_user.id))
    if errors:
        return _refused(task, panels.score_panel(task, {}, request.form.to_dict(), _error_map(errors)))
    _complete(task_id, "expert_scoring", answers)
    flash(_("Your scores have been submitted. Nobody else sees them before the result."), "success")
    return redirect(url_for("workflow.inbox"))
