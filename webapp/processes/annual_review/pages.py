"""Pages: the holder's duty log; the county office's annual reviews, title holders and transfers;
the career record."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ... import register
from ...core.errors import Conflict, NotFound
from ...extensions import db
from ...forms import merge_errors
from ...i18n import is_english
from ...models import Organisation, OrgKind, TitleStatus
from ...transaction import committing
from ...workflow.task_forms import read_form
from . import career, log, offices, transfers
from .models import AnnualReviewStatus
from .opening import open_annual_review
from .schoolyear import SchoolYear
from .term import renewal_refusal
from .duties import pairing_credit, progress, records_of, title_duties
from .schoolyear import school_year_of
from ...calendar.editing import today

# A renewed title runs for another term of this many years (seed: certificates are valid five years).
RENEWAL_TERM_YEARS = 5

bp = Blueprint("annual_review", __name__, url_prefix="/annual", template_folder="templates")


def _engine():
    return current_app.extensions["workflow_engine"]


def _log_sections(posted_title_id=None, data=None, errors=None):
    """Per title in force: its duties with progress this school year, the records, the form."""
    library = current_app.extensions["form_library"]
    year = school_year_of(today())
    sections = []
    for title in log.own_active_titles(current_user):
        duties = title_duties(title)
        records = records_of(title.id, year.start_year)
        context = {"duty_options": log.duty_options(duties, is_english())}
        mine = title.id == posted_title_id
        form_html = library.render(log.DUTY_FORM, None, data if mine else {}, errors if mine else [], context)
        sections.append({"title": title, "progress": progress(duties, records, pairing_credit(title, year.start_year)), "records": records,
                         "duties": {d.code: d for d in duties}, "form_html": form_html,
                         "semester": year.semester_of(today()) if year.contains(today()) else 1})
    return year, sections


@bp.get("/log")
@login_required
def duty_log():
    """The holder's duty log through the year, with progress per duty."""
    year, sections = _log_sections()
    return render_template("annual_review/log.html", year=year, sections=sections)


@bp.post("/log/<int:title_id>")
@login_required
@committing
def add_duty_record(title_id: int):
    """Record one activity; a wrong date or missing evidence comes back with the input kept."""
    title = log.own_active_title(current_user, title_id)
    duties = title_duties(title)
    year = school_year_of(today())
    context = {"duty_options": log.duty_options(duties, is_english())}
    data, errors, _cited = read_form(log.DUTY_FORM, current_user, None, previous={}, context=context)
    errors = merge_errors(errors, log.check_record(data, duties, year, today()))
    if errors:
        db.session.rollback()
        year, sections = _log_sections(title_id, data, errors)
        return render_template("annual_review/log.html", year=year, sections=sections, errors=errors), 422
    log.add_record(current_user, title, data, year)
    flash(_("The activity is recorded."), "success")
    return redirect(url_for("annual_review.duty_log"))


@bp.get("/")
@login_required
def index():
    """The county office: open the review of a school year; each round with where its reviews stand."""
    counties = offices.office_counties(current_user)
    if not counties:
        raise NotFound(_("No such page."))
    current = school_year_of(today())
    return render_template("annual_review/index.html", counties=[(c, offices.rounds_of(c)) for c in counties],
                           current=current)


@bp.post("/counties/<int:county_id>/open")
@login_required
@committing
def open_round(county_id: int):
    """Open the review of a school year: one process per title in force in the county."""
    county = offices.office_county(current_user, county_id)
    text = (request.form.get("school_year") or "").strip()
    current = school_year_of(today()).start_year
    if not text.isdigit() or not (current - 1 <= int(text) <= current):
        db.session.rollback()
        flash(_("Choose this school year or the previous one."), "error")
        return render_template("annual_review/index.html", counties=[(c, offices.rounds_of(c)) for c in
                               offices.office_counties(current_user)], current=school_year_of(today()),
                               year_error=_("Choose this school year or the previous one.")), 422
    round_ = open_annual_review(_engine(), current_user, county, int(text))
    flash(_("The annual review is open: %(n)d title holder(s) have a summary to submit.", n=round_.reviews_opened),
          "success")
    return redirect(url_for("annual_review.round_page", round_id=round_.id))


@bp.get("/rounds/<int:round_id>")
@login_required
def round_page(round_id: int):
    """The reviews of a round (printable)."""
    round_ = offices.managed_round(current_user, round_id)
    status = request.args.get("status") or None
    if status not in {s.value for s in AnnualReviewStatus} | {None}:
        status = None
    return render_template("annual_review/round.html", round=round_, reviews=offices.round_reviews(round_, status),
                           year=SchoolYear(round_.school_year), status=status, statuses=list(AnnualReviewStatus))


@bp.get("/counties/<int:county_id>/titles")
@login_required
def titles(county_id: int):
    """The county's titles in force, soonest to expire first, with transfer and renewal."""
    county = offices.office_county(current_user, county_id)
    return render_template("annual_review/titles.html", county=county, titles=offices.county_titles(county),
                           refusal=renewal_refusal)


def _transfer_page(title, values=None, errors=None, status=200):
    county = db.session.get(Organisation, title.county_id)
    schools = db.session.scalars(select(Organisation).where(
        Organisation.kind == OrgKind.school, Organisation.path.startswith(county.path, autoescape=True))
        .order_by(Organisation.code)).all()
    return render_template("annual_review/transfer.html", title=title, schools=schools, values=values or {},
                           errors={e.name: e.message for e in errors or []}), status


@bp.get("/titles/<int:title_id>/transfer")
@login_required
def transfer_form(title_id: int):
    """Record a holder's move to another school."""
    title = offices.managed_title(current_user, title_id)
    return _transfer_page(title)


@bp.post("/titles/<int:title_id>/transfer")
@login_required
@committing
def transfer(title_id: int):
    """A transfer is a title event; with a change of personnel relationship the allowance stops."""
    title = offices.managed_title(current_user, title_id)
    if title.status != TitleStatus.active:
        raise Conflict(_("This title is no longer valid."))
    values, errors = transfers.check_transfer(title, request.form)
    if errors:
        db.session.rollback()
        title = offices.managed_title(current_user, title_id)
        return _transfer_page(title, values, errors, 422)
    transfers.transfer_holder(current_user, title, values)
    flash(_("The transfer is recorded."), "success")
    return redirect(url_for("annual_review.career_record", user_id=title.user_id))


@bp.post("/titles/<int:title_id>/renew")
@login_required
@committing
def renew(title_id: int):
    """Renew a title for a new term, when every annual review of the term passed."""
    title = offices.managed_title(current_user, title_id)
    refusal = renewal_refusal(title)
    if refusal:
        raise Conflict(refusal)
    register.renew(title, today(), RENEWAL_TERM_YEARS, actor_id=current_user.id)
    flash(_("The title is renewed until %(day)s.", day=title.valid_until.isoformat()), "success")
    return redirect(url_for("annual_review.titles", county_id=title.county_id))


@bp.get("/career")
@login_required
def my_career():
    """One's own career record."""
    return redirect(url_for("annual_review.career_record", user_id=current_user.id))


@bp.get("/career/<int:user_id>")
@login_required
def career_record(user_id: int):
    """A teacher's career record (printable): the teacher and overseers of their organisation only."""
    teacher = career.visible_teacher(current_user, user_id)
    return render_template("annual_review/career.html", **career.career(teacher, current_user))
