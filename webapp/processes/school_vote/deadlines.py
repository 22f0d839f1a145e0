"""Voting deadlines: the end of a local day after today, within a year."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _

from ...calendar import local_zone
from ...core.errors import InvalidInput
from ...models import utcnow


def voting_deadline(value: str) -> datetime:
    """Midnight closing the given local date (YYYY-MM-DD); the date must be after today."""
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(_("Enter the voting deadline as a date (YYYY-MM-DD)."), []) from None
    zone = local_zone()
    today = utcnow().astimezone(zone).date()
    if day <= today:
        raise InvalidInput(_("The voting deadline must be after today."), [])
    if day > today + timedelta(days=366):
        raise InvalidInput(_("The voting deadline must be within a year."), [])
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)


def last_day(deadline: datetime) -> str:
    """The last local day before a midnight deadline, as YYYY-MM-DD (what people read as "until")."""
    return (deadline.astimezone(local_zone()) - timedelta(seconds=1)).date().isoformat()
