"""Administrator pages: loaded processes and file errors; the working-day calendar (holidays and
make-up working days); the scheduler's jobs, failures and e-mail queue."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..calendar import editing
from ..calendar.editing import CalendarInputError
from ..extensions import db
from ..i18n import is_english
from ..models.calendar import CalendarDay
from ..transaction import committing
from ..workflow.permissions import can_edit_calendar, is_sysadmin

bp = Blueprint("admin", __name__, url_prefix="/admin")

# View name → who may use it, for views open to more than system administrators.
_ACCESS: dict[str, Callable] = {}


def open_to(check: Callable) -> Callable:
    """Let `check(user)` decide who may use the view, instead of "system administrators only"."""

    def mark(view):
        _ACCESS[view.__name__] = check
        return view

    return mark


@bp.before_request
@login_required
def require_admin():
    """System administrators (or whom a view is `open_to`) may enter; others are told the page does not exist."""
    check = _ACCESS.get((request.endpoint or "").rpartition(".")[2], is_sysadmin)
    if not check(current_user):
        abort(404)


@bp.get("/processes")
def processes():
    """Loaded processes, and file errors with file, line and element."""
    engine = current_app.extensions["workflow_engine"]
    library = engine.library
    english = is_english()
    rows = [(pid, (english and library.process_name_en(pid)) or library.process_name(pid), library.source_file(pid))
            for pid in library.process_ids()]
    form_errors = current_app.extensions["form_library"].check_all()
    return render_template("admin/processes.html", rows=rows, errors=library.errors, form_errors=form_errors,
                           stopped=_stopped_instances())


def _stopped_instances(limit: int = 50) -> list:
    """The latest instances that stopped with an error (script, limits, handler), with why."""
    from sqlalchemy import select

    from ..models import InstanceStatus, ProcessInstance

    query = (select(ProcessInstance).where(ProcessInstance.status == InstanceStatus.error)
             .order_by(ProcessInstance.updated_dt.desc()).limit(limit))
    return list(db.session.scalars(query))


@bp.post("/processes/reload")
def reload_processes():
    """Parse the diagrams again after they were edited; running instances keep their version."""
    errors = current_app.extensions["workflow_engine"].reload()
    if errors:
        flash(_("Reloaded with %(count)d errors.", count=len(errors)), "error")
    else:
        flash(_("Reloaded without errors."), "success")
    return redirect(url_for("admin.processes"))


# --- Working-day calendar -------------------------------------------------------------------


def _year(value: str | None) -> int:
    """The year asked for, or the current one (local time) when missing or out of range."""
    try:
        year = int(value or "")
    except ValueError:
        return editing.today().year
    return year if editing.FIRST_YEAR <= year <= editing.LAST_YEAR else editing.today().year


def _calendar_page(year: int, *, errors: list[str] | None = None, error_form: str | None = None,
                   form: dict | None = None, import_text: str = "", status: int = 200):
    """The calendar page of `year`; `errors` belong to the form named by `error_form` ("day" or "import")."""
    entries = editing.year_entries(year)
    weekday_pattern = "EEEEEE" if is_english() else "EEEEE"
    monday = date(2024, 1, 1)
    weekdays = [format_date(monday + timedelta(days=i), weekday_pattern) for i in range(7)]
    return render_template(
        "admin/calendar.html",
        year=year,
        first_year=editing.FIRST_YEAR,
        last_year=editing.LAST_YEAR,
        entries=entries,
        months=editing.year_grid(year, entries),
        weekdays=weekdays,
        weekday_name=editing.weekday_name,
        working_days=editing.working_days_in_year(year),
        today=editing.today(),
        name_max=editing.NAME_MAX,
        errors=errors or [],
        error_form=error_form,
        form=form or {},
        import_text=import_text,
    ), status


@bp.get("/calendar")
@open_to(can_edit_calendar)
def calendar():
    """A year's holidays and make-up working days, as a list and as a month grid, with the forms to edit them."""
    year = _year(request.args.get("year"))
    form = {}
    editing_day = editing.parse_day(request.args.get("edit"))
    if editing_day is not None:  # "Change" on a row fills the form with that entry
        row = db.session.get(CalendarDay, editing_day)
        if row is not None:
            form = {"day": row.day.isoformat(), "kind": "workday" if row.is_workday else "holiday", "name": row.name}
    return _calendar_page(year, form=form)


@bp.post("/calendar")
@open_to(can_edit_calendar)
@committing
def save_calendar_day():
    """Record one holiday or make-up working day, or change the entry already recorded for that date."""
    year = _year(request.form.get("year"))
    try:
        entry = editing.validate(request.form.get("day"), request.form.get("kind"), request.form.get("name"))
    except CalendarInputError as error:
        return _calendar_page(year, errors=error.messages, error_form="day", form=request.form.to_dict(), status=422)
    result = editing.save([entry], current_user)
    if result.added:
        flash(_("%(day)s recorded.", day=entry.day.isoformat()), "success")
    elif result.changed:
        flash(_("%(day)s changed.", day=entry.day.isoformat()), "success")
    else:
        flash(_("%(day)s was already recorded so; nothing changed.", day=entry.day.isoformat()), "success")
    return redirect(url_for("admin.calendar", year=entry.day.year))


@bp.post("/calendar/import")
@open_to(can_edit_calendar)
@committing
def import_calendar():
    """Record many days pasted one per line (the State Council's holiday notice); any bad line stops them all."""
    year = _year(request.form.get("year"))
    text = request.form.get("lines", "")
    try:
        entries = editing.parse_import(text)
    except CalendarInputError as error:
        return _calendar_page(year, errors=error.messages, error_form="import", import_text=text, status=422)
    result = editing.save(entries, current_user)
    flash(
        _(
            "Imported: %(added)d added, %(changed)d changed, %(unchanged)d already recorded.",
            added=result.added,
            changed=result.changed,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("admin.calendar", year=entries[0].day.year))


@bp.post("/calendar/<day>/delete")
@open_to(can_edit_calendar)
@committing
def delete_calendar_day(day: str):
    """Remove an entry: the day follows the Monday–Friday rule again."""
    parsed = editing.parse_day(day)
    if parsed is None:
        abort(404)
    if editing.delete(parsed, current_user) is None:
        flash(_("There is no entry for %(day)s; nothing was deleted.", day=parsed.isoformat()), "error")
    else:
        flash(_("Entry for %(day)s deleted.", day=parsed.isoformat()), "success")
    return redirect(url_for("admin.calendar", year=parsed.year))


# --- Scheduler ------------------------------------------------------------------------------


@bp.get("/scheduler")
def scheduler():
    """Scheduled jobs (last and next run), recent failures, pending and failed e-mails, SMTP status."""
    from ..scheduler.status import overview

    return render_template("admin/scheduler.html", **overview())


@bp.post("/scheduler/retry-failed")
@committing
def retry_failed():
    """Queue every failed notification e-mail again."""
    from ..scheduler.status import retry_failed_emails

    flash(_("%(count)d e-mails queued again.", count=retry_failed_emails()), "success")
    return redirect(url_for("admin.scheduler"))
