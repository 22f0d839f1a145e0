"""Pages of the training: the office opens cohorts and adds supplements; the training centre plans,
records attendance and scores; mentors review practice; trainees see their own record only."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...core.errors import InvalidInput, NotFound
from ...extensions import db
from ...roles import Role
from ...transaction import committing
from ...workflow.operations import complete_task, get_actionable_task
from . import access, excel
from .assessment import record_scores
from .attendance import record_attendance
from .opening import PROCESS_ID, open_cohort as open_training
from .plan import save_plan
from .practice import review_practice as record_review, submit_practice as record_practice
from .supplements import add_supplements, next_reserves, set_supplement_window, withdraw as withdraw_trainee
from .models import AttendanceMark, PracticeRecord, TrainingCohort

bp = Blueprint("training", __name__, url_prefix="/training", template_folder="templates")

STAGE_STEPS = {"plan": "plan", "centralised": "centralised", "practice": "practice", "assessment": "assessment"}


def _engine():
    return current_app.extensions["workflow_engine"]


def _errors(error: InvalidInput) -> dict:
    return {e.path[0]: e.message for e in error.errors if e.path}


def _refused(error: InvalidInput, load_cohort, cohort_id: int, template: str, **context):
    """Nothing changed: roll back, load the cohort again as the user may see it, show the page with
    each message next to its field and the input kept (422)."""
    db.session.rollback()
    cohort = load_cohort(current_user, cohort_id)
    return render_template(template, cohort=cohort, errors=_errors(error), **context), 422


@bp.get("/")
@login_required
def index():
    """Staff: counties with finished reviews and cohorts. Mentors: their trainees. Trainees: their places."""
    counties = [(office, access.reviews_ready(office), access.cohorts_of(office))
                for office in access.staff_counties(current_user)]
    mine, mentees = access.trainings_of(current_user), access.mentored(current_user)
    if not counties and not mine and not mentees and not any(
            role in (Role.teacher, Role.research_staff) for role, _org in current_user.role_scopes()):
        raise NotFound(_("No such page."))
    return render_template("training/index.html", counties=counties, mine=mine, mentees=mentees)


@bp.post("/counties/<int:office_id>/reviews/<int:review_id>")
@login_required
@committing
def open_cohort(office_id: int, review_id: int):
    """The county office opens the training of a finished review."""
    office = access.office_org(current_user, office_id)
    cohort = open_training(_engine(), current_user, office, review_id)
    flash(_("The training is open: the training centre enters the plan."), "success")
    return redirect(url_for("training.cohort_page", cohort_id=cohort.id))


@bp.get("/<int:cohort_id>")
@login_required
def cohort_page(cohort_id: int):
    """Where the training stands: the plan, the trainees, the office's supplements."""
    return _cohort_view(access.cohort_for_staff(current_user, cohort_id))


def _cohort_view(cohort: TrainingCohort, errors: dict | None = None, data=None) -> str:
    return render_template("training/cohort.html", cohort=cohort, is_office=access.is_office(current_user, cohort),
                           is_centre=access.is_centre(current_user, cohort), reserves=next_reserves(cohort),
                           errors=errors or {}, data=data or {})


@bp.route("/<int:cohort_id>/plan", methods=["GET", "POST"])
@login_required
@committing
def plan(cohort_id: int):
    """The training centre's plan: sessions, practice, weights (refused unless they add up to 100)."""
    cohort = access.cohort_for_centre(current_user, cohort_id)
    if request.method == "POST":
        try:
            save_plan(cohort, request.form)
        except InvalidInput as error:
            return _refused(error, access.cohort_for_centre, cohort_id, "training/plan.html", form=request.form,
                            message=error.message)
        flash(_("The plan is saved."), "success")
        return redirect(url_for("training.cohort_page", cohort_id=cohort.id))
    return render_template("training/plan.html", cohort=cohort, form=None, errors={}, message=None)


@bp.route("/<int:cohort_id>/attendance", methods=["GET", "POST"])
@login_required
@committing
def attendance(cohort_id: int):
    """The attendance grid: one row per trainee, one column per session."""
    return _grid(cohort_id, "attendance", _posted_marks, lambda count: _("%(count)d mark(s) saved.", count=count))


@bp.route("/<int:cohort_id>/scores", methods=["GET", "POST"])
@login_required
@committing
def scores(cohort_id: int):
    """The assessment grid: one row per trainee, one column per component; the weighted total follows."""
    return _grid(cohort_id, "scores", _posted_scores, lambda count: _("%(count)d score(s) saved.", count=count))


# Each grid's store: all or nothing (also used by the Excel import).
STORE = {"attendance": record_attendance, "scores": record_scores}


def _grid(cohort_id: int, kind: str, read_posted, saved):
    """A grid of the training centre: shown, or the posted values stored all or nothing."""
    cohort = access.cohort_for_centre(current_user, cohort_id)
    template = f"training/{kind}.html"
    if request.method == "POST":
        try:
            count = STORE[kind](cohort, read_posted(cohort, request.form))
        except InvalidInput as error:
            return _refused(error, access.cohort_for_centre, cohort_id, template, posted=request.form,
                            marks=AttendanceMark, message=error.message, preview=None)
        flash(saved(count), "success")
        return redirect(url_for(f"training.{kind}", cohort_id=cohort.id))
    return render_template(template, cohort=cohort, errors={}, posted=None, marks=AttendanceMark, message=None,
                           preview=None)


def _posted_marks(cohort: TrainingCohort, form) -> dict:
    """(trainee id, session id) → mark, from the fields ``mark_<trainee>_<session>``."""
    marks = {}
    for key, value in form.items():
        if key.startswith("mark_") and value:
            try:
                _m, trainee_id, session_id = key.split("_")
                marks[(int(trainee_id), int(session_id))] = value
            except ValueError:
                continue
    return marks


def _posted_scores(cohort: TrainingCohort, form) -> dict:
    """(trainee id, component) → the posted text, for the cohort's trainees and components."""
    return {(trainee.id, component): form.get(f"score_{trainee.id}_{component}")
            for trainee in cohort.trainees for component in cohort.components()
            if f"score_{trainee.id}_{component}" in form}


@bp.post("/<int:cohort_id>/import/<kind>")
@login_required
@committing
def import_sheet(cohort_id: int, kind: str):
    """An Excel sheet of attendance or scores: checked row by row; a preview; applied all or nothing."""
    cohort = access.cohort_for_centre(current_user, cohort_id)
    if kind not in ("attendance", "scores"):
        raise NotFound(_("No such page."))
    template = "training/attendance.html" if kind == "attendance" else "training/scores.html"
    upload = request.files.get("sheet")
    result = excel.read_sheet(cohort, kind, upload.read() if upload else b"")
    confirm = request.form.get("confirm") == "1"
    if result.problems or not confirm:
        if result.problems:
            db.session.rollback()
        return render_template(template, cohort=cohort, errors={}, posted=None, marks=AttendanceMark, message=None,
                               preview=result), (422 if result.problems else 200)
    try:
        count = STORE[kind](cohort, result.values)
    except InvalidInput as error:
        db.session.rollback()
        return render_template(template, cohort=cohort, errors=_errors(error), posted=None, marks=AttendanceMark,
                               message=error.message, preview=None), 422
    flash(_("%(count)d value(s) imported.", count=count), "success")
    return redirect(url_for(f"training.{kind}", cohort_id=cohort.id))


@bp.post("/<int:cohort_id>/supplements")
@login_required
@committing
def supplements(cohort_id: int):
    """The county office sets the window and adds the next reserves in rank order."""
    cohort = access.cohort_for_office(current_user, cohort_id)
    try:
        if request.form.get("supplement_until"):
            set_supplement_window(cohort, request.form["supplement_until"])
        if request.form.get("count"):
            added = add_supplements(cohort, request.form["count"])
            flash(_("%(count)d candidate(s) from the reserve list joined the training.", count=len(added)), "success")
        else:
            flash(_("The window for supplements is set."), "success")
    except InvalidInput as error:
        db.session.rollback()
        return _cohort_view(access.cohort_for_office(current_user, cohort_id), _errors(error), request.form), 422
    return redirect(url_for("training.cohort_page", cohort_id=cohort.id))


@bp.post("/tasks/<int:task_id>/finish")
@login_required
@committing
def finish_stage(task_id: int):
    """Finish the stage this step stands for (refused with the reason while it is not ready)."""
    task = get_actionable_task(current_user, task_id)
    if task.process_id != PROCESS_ID or task.task_name not in STAGE_STEPS:
        raise NotFound(_("No such task."))
    cohort = db.session.scalar(db.select(TrainingCohort).filter_by(instance_id=task.instance_id))
    complete_task(_engine(), current_user, task, {})
    flash(_("This stage is finished."), "success")
    return redirect(url_for("training.cohort_page", cohort_id=cohort.id))


# -- trainees and mentors --------------------------------------------------------------------------

@bp.get("/mine/<int:trainee_id>")
@login_required
def mine(trainee_id: int):
    """A trainee's own attendance, practice, component scores and total: nobody else's."""
    trainee = access.own_trainee(current_user, trainee_id)
    return render_template("training/mine.html", trainee=trainee, cohort=trainee.cohort, errors={}, data={})


@bp.post("/mine/<int:trainee_id>/practice")
@login_required
@committing
def submit_practice(trainee_id: int):
    try:
        record_practice(current_user, trainee_id, request.form.get("kind", ""),
                                   request.form.get("content", ""), request.form.get("link", ""))
    except InvalidInput as error:
        db.session.rollback()
        trainee = access.own_trainee(current_user, trainee_id)
        return render_template("training/mine.html", trainee=trainee, cohort=trainee.cohort, errors=_errors(error),
                               data=request.form), 422
    flash(_("Submitted: your mentor reviews it."), "success")
    return redirect(url_for("training.mine", trainee_id=trainee_id))


@bp.post("/mine/<int:trainee_id>/withdraw")
@login_required
@committing
def withdraw(trainee_id: int):
    withdraw_trainee(current_user, trainee_id, request.form.get("reason", ""))
    flash(_("You have withdrawn from the training."), "success")
    return redirect(url_for("training.mine", trainee_id=trainee_id))


@bp.get("/mentoring")
@login_required
def mentoring():
    """A mentor's trainees and their practice records."""
    mentees = access.mentored(current_user)
    if not mentees:
        raise NotFound(_("No such page."))
    return render_template("training/mentoring.html", mentees=mentees, errors={}, data={})


@bp.post("/practice/<int:record_id>/review")
@login_required
@committing
def review_practice(record_id: int):
    try:
        record_review(current_user, record_id, request.form.get("decision", ""),
                                   request.form.get("comment", ""))
    except InvalidInput as error:
        db.session.rollback()
        record = db.session.get(PracticeRecord, record_id)
        return render_template("training/mentoring.html", mentees=access.mentored(current_user),
                               errors=_errors(error), data=dict(request.form, record_id=record.id)), 422
    flash(_("Your review is recorded."), "success")
    return redirect(url_for("training.mentoring"))
