"""Pages of the school vote: opening rounds, the public notice and its objections, withdrawals, quotas,
the county's lists."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...core.errors import Conflict, InvalidInput
from ...definitions.form_sets import form_library_for_instance_id
from ...extensions import db
from ...transaction import committing
from ...workflow.permissions import oversees
from ...workflow.task_forms import read_form
from ..objection.operations import OBJECTION_FORM, file_objection, my_objections, objection_options, require_school_member
from . import county as county_operations
from . import operations
from .models import NoticeChange, RoundStatus

bp = Blueprint("school_vote", __name__, url_prefix="/vote", template_folder="templates")


@bp.get("/")
@login_required
def index():
    """School administrators: open a round, follow rounds. Everyone: the notices of their school."""
    return render_index()


def render_index(refused: dict | None = None, status: int = 200):
    """The vote page; `refused` re-shows one school's form with its input and the message by its field."""
    schools = [
        (school, operations.ready_to_vote(school), operations.school_rounds(school))
        for school in operations.admin_schools(current_user)
    ]
    return render_template("school_vote/index.html", schools=schools, notices=operations.school_notices(current_user),
                           refused=refused or {}), status


@bp.post("/schools/<int:school_id>/rounds")
@login_required
@committing
def open_round(school_id: int):
    """Open a vote round for a cycle's accepted applications; a refusal re-shows the form, input kept."""
    school = operations.school_of_admin(current_user, school_id)
    cycle_id = request.form.get("cycle_id", type=int)
    deadline = request.form.get("deadline", "")
    try:
        round_ = operations.open_round(
            current_app.extensions["workflow_engine"], current_user, school, cycle_id or 0, deadline
        )
    except (InvalidInput, Conflict) as refusal:
        db.session.rollback()
        field = "deadline" if isinstance(refusal, InvalidInput) else None
        return render_index({"school_id": school.id, "cycle_id": cycle_id, "deadline": deadline[:20],
                             "field": field, "message": refusal.message}, refusal.status_code)
    flash(_("The vote is open: every committee member has a ballot in their inbox."), "success")
    return redirect(url_for("school_vote.round_page", round_id=round_.id))


@bp.get("/rounds/<int:round_id>")
@login_required
def round_page(round_id: int):
    """The round: for the school its public notice (printable); tallies for overseers once closed."""
    round_ = operations.visible_round(current_user, round_id)
    return render_round(round_, {}, [])


def render_round(round_, data, errors, status=200):
    """The round page, with the objection form (and its errors) for people of the school."""
    library = form_library_for_instance_id(round_.instance_id)  # the forms the round started with
    context = {"candidate_options": objection_options(round_)}
    can_object = operations.notice_open(round_) and operations.belongs_to_school(current_user, round_.school)
    objection_form = library.render(OBJECTION_FORM, None, data, errors, context) if can_object else None
    overseer = oversees(current_user, round_.school.path)
    return render_template(
        "school_vote/round.html",
        round=round_,
        overseer=overseer,
        waiting=operations.waiting_voters(round_) if overseer and round_.status is RoundStatus.voting else [],
        objection_form=objection_form,
        errors=errors,
        my_objections=my_objections(current_user, round_),
        changes=_changes(round_),
    ), status


def _changes(round_):
    return db.session.scalars(select(NoticeChange).filter_by(round_id=round_.id).order_by(NoticeChange.id)).all()


@bp.post("/rounds/<int:round_id>/objections")
@login_required
@committing
def object_to(round_id: int):
    """File an objection during the notice period; it goes to the school administrator."""
    round_ = operations.visible_round(current_user, round_id)
    require_school_member(current_user, round_)  # out of scope before any input is read
    context = {"candidate_options": objection_options(round_)}
    data, errors, cited = read_form(OBJECTION_FORM, current_user, None, previous={}, context=context,
                                    library=form_library_for_instance_id(round_.instance_id))
    if errors:
        db.session.rollback()
        round_ = operations.visible_round(current_user, round_id)
        return render_round(round_, data, errors, 422)
    file_objection(
        current_app.extensions["workflow_engine"], current_user, round_, int(data["candidate"]), data["reason"], cited
    )
    flash(_("Your objection has been filed. The school administrator will investigate and reply to you."), "success")
    return redirect(url_for("school_vote.round_page", round_id=round_id))


@bp.post("/candidates/<int:candidate_id>/withdraw")
@login_required
@committing
def withdraw(candidate_id: int):
    """A teacher withdraws from a round."""
    promoted = operations.withdraw_candidacy(current_user, candidate_id)
    flash(_("You have withdrawn from the vote."), "success")
    if promoted is not None:
        current_app.logger.info("candidate %s moved up after a withdrawal", promoted.id)
    return redirect(url_for("self_application.mine"))


@bp.get("/county")
@login_required
def county():
    """The lists schools reported, per cycle, level × category and school: input to the county review."""
    return render_template("school_vote/county.html", rounds=county_operations.county_recommendations(current_user))


@bp.get("/quotas")
@login_required
def quotas():
    """The county office's quota settings per call."""
    return render_template("school_vote/quotas.html", cycles=county_operations.county_cycles(current_user), refused={})


@bp.post("/quotas/<int:cycle_id>")
@login_required
@committing
def set_quota(cycle_id: int):
    """Change a call's school quota; a bad value is shown again beside its field, with the message."""
    mode, value = request.form.get("mode", ""), request.form.get("value", "")
    try:
        county_operations.set_quota(current_user, cycle_id, mode, value)
    except InvalidInput as refusal:
        db.session.rollback()
        refused = {"cycle_id": cycle_id, "mode": mode, "value": value[:20], "message": refusal.message}
        return render_template("school_vote/quotas.html", cycles=county_operations.county_cycles(current_user),
                               refused=refused), 422
    flash(_("Quota saved."), "success")
    return redirect(url_for("school_vote.quotas"))
