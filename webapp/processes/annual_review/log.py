"""The holder's duty log: record an activity (date within the school year, evidence where the rule
asks for it) and read the titles one may log for."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ...core.errors import NotFound
from ...extensions import db
from ...forms import FieldError
from ...i18n import is_english
from ...models import TitleHolding, TitleStatus, User
from .duties import Duty
from .models import DutyRecord
from .schoolyear import SchoolYear

DUTY_FORM = "annual_review_duty.schema.json"


def own_active_titles(user: User) -> list[TitleHolding]:
    """The user's titles in force, oldest first."""
    return list(db.session.scalars(
        select(TitleHolding).where(TitleHolding.user_id == user.id, TitleHolding.status == TitleStatus.active)
        .order_by(TitleHolding.id)))


def own_active_title(user: User, title_id: int) -> TitleHolding:
    """One of the user's titles in force, else the out-of-scope answer."""
    title = db.session.get(TitleHolding, title_id)
    if title is None or title.user_id != user.id or title.status != TitleStatus.active:
        raise NotFound(_("No such page."))
    return title


def duty_options(duties: list[Duty], english: bool) -> list[dict]:
    """The duty choices of the form (x-options)."""
    return [{"value": duty.code, "title": duty.name_zh, "title_en": duty.name_en} for duty in duties]


def check_record(data: dict, duties: list[Duty], year: SchoolYear, today: date) -> list[FieldError]:
    """Rules the form's schema cannot say: the date lies in the school year (not in the future) and
    the duty's rule may require evidence."""
    errors = []
    try:
        on = date.fromisoformat(str(data.get("on_date") or ""))
    except ValueError:
        on = None
    if on is not None and not year.contains(on):
        errors.append(FieldError(("on_date",), _("Date"), _(
            "The date must lie within the %(year)s (%(first)s to %(last)s).",
            year=year.label(english=is_english()), first=year.first_day.isoformat(), last=year.last_day.isoformat())))
    elif on is not None and on > today:
        errors.append(FieldError(("on_date",), _("Date"), _("The date cannot be later than today.")))
    duty = next((d for d in duties if d.code == data.get("duty")), None)
    if duty is not None and duty.evidence and not data.get("evidence"):
        errors.append(FieldError(("evidence",), _("Evidence"), _(
            "This duty needs evidence: attach at least one file.")))
    return errors




def add_record(user: User, title: TitleHolding, data: dict, year: SchoolYear) -> DutyRecord:
    """Store one checked activity of the log."""
    on = date.fromisoformat(data["on_date"])
    record = DutyRecord(title_id=title.id, user_id=user.id, school_year=year.start_year, semester=year.semester_of(on),
                        duty=data["duty"], on_date=on, quantity=int(data.get("quantity") or 1),
                        description=data["description"].strip(), evidence=list(data.get("evidence") or []) or None)
    db.session.add(record)
    db.session.flush()
    return record
