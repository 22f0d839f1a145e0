"""Pages where the county office keeps the service history: schools, staffing, people's postings, Excel import."""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...transaction import committing
from . import access, history, importing
from .blueprint import bp
from .due import county_schools
from .excel.template import build_template
from .validation import FieldErrors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _subjects() -> list[dict]:
    from ..self_application.labels import DECLARATION_FORM

    return current_app.extensions["form_library"].options(DECLARATION_FORM, "subject")


@bp.get("/history")
@login_required
def history_index():
    """The county's schools and their rotation facts."""
    county = access.office_county(current_user)
    schools = county_schools(county)
    return render_template("rotation_plan/history.html", county=county, schools=schools,
                           by_id={s.id: s for s in schools}, uploads=importing.recent_uploads(county))


@bp.get("/history/schools/<int:school_id>")
@login_required
def history_school(school_id: int):
    """A school's attributes, staffing by subject and postings."""
    county = access.office_county(current_user)
    return _school(county, history.county_school(county, school_id), FieldErrors(), {}, None)


def _school(county, school, errors, values, which, status=200):
    return render_template("rotation_plan/history_school.html", school=school, schools=county_schools(county),
                           staffing=history.staffing(school), postings=history.school_postings(school),
                           subjects=_subjects(), errors=errors, values=values, which=which), status


@bp.post("/history/schools/<int:school_id>/<any(attributes, staffing):part>")
@login_required
@committing
def history_school_save(school_id: int, part: str):
    """Save the school's attributes or one subject's staffing."""
    county = access.office_county(current_user)
    school = history.county_school(county, school_id)
    if part == "attributes":
        errors = history.save_school(county, school, request.form)
    else:
        errors = history.save_staffing(school, request.form, {o["const"] for o in _subjects()})
    if errors:
        db.session.rollback()
        county = access.office_county(current_user)
        return _school(county, history.county_school(county, school_id), errors, request.form, part, 422)
    flash(_("Saved."), "success")
    return redirect(url_for("rotation_plan.history_school", school_id=school_id))


@bp.get("/history/people/<int:user_id>")
@login_required
def history_person(user_id: int):
    """A person's postings and employment facts."""
    county = access.office_county(current_user)
    return _person(county, history.county_person(county, user_id), FieldErrors(), {}, None)


def _person(county, person, errors, values, which, status=200):
    from sqlalchemy import select

    from ...models import EmploymentRecord, Posting

    postings = db.session.scalars(select(Posting).filter_by(user_id=person.id).order_by(Posting.start_date)).all()
    record = db.session.scalar(select(EmploymentRecord).filter_by(user_id=person.id))
    return render_template("rotation_plan/history_person.html", person=person, postings=postings, record=record,
                           schools=county_schools(county), subjects=_subjects(), errors=errors, values=values,
                           which=which), status


@bp.post("/history/people/<int:user_id>/<any(posting, employment):part>")
@login_required
@committing
def history_person_save(user_id: int, part: str):
    """Add a posting, or save the employment facts."""
    county = access.office_county(current_user)
    person = history.county_person(county, user_id)
    errors = (history.add_posting(county, person, request.form) if part == "posting"
              else history.save_employment(person, request.form))
    if errors:
        db.session.rollback()
        county = access.office_county(current_user)
        return _person(county, history.county_person(county, user_id), errors, request.form, part, 422)
    flash(_("Saved."), "success")
    return redirect(url_for("rotation_plan.history_person", user_id=user_id))


@bp.get("/history/template.xlsx")
@login_required
def history_template():
    """The workbook to fill in, with the county's current data."""
    county = access.office_county(current_user)
    return Response(build_template(county), mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=service-history.xlsx"})


@bp.get("/history/import")
@login_required
def history_import():
    """Upload a filled workbook."""
    county = access.office_county(current_user)
    return render_template("rotation_plan/import.html", county=county, checked=None, upload=None,
                           uploads=importing.recent_uploads(county))


@bp.post("/history/import")
@login_required
@committing
def history_upload():
    """Check the upload: its problems by sheet, row and column, or a preview of the changes."""
    county = access.office_county(current_user)
    file = request.files.get("workbook")
    # One byte more than the limit is enough for the reader to refuse the file as too large.
    data = file.read(importing_limit() + 1) if file else b""
    upload, checked = importing.preview(current_user, county, file.filename if file else "", data)
    status = 422 if checked.problems else 200
    return render_template("rotation_plan/import.html", county=county, checked=checked, upload=upload,
                           uploads=importing.recent_uploads(county)), status


def importing_limit() -> int:
    """Bytes read from an upload at most (the reader refuses anything larger)."""
    from .excel.reader import MAX_UPLOAD_BYTES

    return MAX_UPLOAD_BYTES


@bp.post("/history/import/<int:upload_id>")
@login_required
@committing
def history_apply(upload_id: int):
    """Apply a previewed upload, all or nothing."""
    county = access.office_county(current_user)
    upload = importing.apply_upload(current_user, county, upload_id)
    summary = upload.summary or {}
    flash(_("Imported: %(new)s new and %(updated)s updated rows.",
            new=sum(s.get("new", 0) for s in summary.values()),
            updated=sum(s.get("updated", 0) for s in summary.values())), "success")
    return redirect(url_for("rotation_plan.history_index"))
