"""The title register: every change to a title goes through here, with its event history.

Conferral (training and conferral), the annual review (revocation, transfer), renewal and the
lapse job all call these functions instead of writing `TitleHolding` themselves, so that the
register's invariants hold in one place:

- `active` is True exactly when `status` is active;
- each change writes one `TitleEvent` (what, on which date, why, by whom, from which instance);
- the allowance starts on the first day of the month after conferral and stops (with an event)
  when the title is revoked, lapses or its holder transfers with a change of personnel relationship;
- certificate numbers come from `next_certificate_sequence`, which locks the county's sequence row
  so that two conferrals at the same moment never share or skip a number.

Nothing here commits: the caller's request or job owns the transaction.
"""
from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import CertificateSequence, TitleEvent, TitleEventKind, TitleHolding, TitleStatus


class RegisterError(ValueError):
    """A change the register refuses (the message is shown to the user as is)."""


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def first_of_next_month(day: date) -> date:
    """The allowance's first day for a title conferred on `day`."""
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def record_event(title: TitleHolding, kind: str, on: date, *, reason: str | None = None,
                 actor_id: int | None = None, instance_id: int | None = None,
                 details: dict | None = None) -> TitleEvent:
    """Append one entry to a title's history."""
    if kind not in TitleEventKind.ALL:
        raise ValueError(f"unknown title event {kind!r}")
    event = TitleEvent(kind=kind, on_date=on, reason=reason, actor_id=actor_id, instance_id=instance_id,
                       details=details)
    title.events.append(event)
    return event


def next_certificate_sequence(county_id: int, year: int, level: str, category: str) -> int:
    """The next number in the county's gapless sequence for (year, level, category).

    The row is created if missing (ON CONFLICT DO NOTHING) and then incremented by one UPDATE …
    RETURNING, which holds the row lock until the caller's transaction ends: a concurrent conferral
    waits, and a rolled-back one gives its number back.
    """
    key = {"county_id": county_id, "year": year, "level": level, "category": category}
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(CertificateSequence).values(**key, last_value=0).on_conflict_do_nothing())
    return db.session.execute(
        update(CertificateSequence)
        .where(*(getattr(CertificateSequence, name) == value for name, value in key.items()))
        .values(last_value=CertificateSequence.last_value + 1)
        .returning(CertificateSequence.last_value)
        .execution_options(synchronize_session=False)
    ).scalar_one()


CERTIFICATE_FIELDS = ("county", "year", "level", "category", "seq")
_PLACEHOLDER = re.compile(r"\{(\w+)(?::0?(\d+)d)?\}")


def check_certificate_format(pattern: str) -> None:
    """Refuse a certificate-number format that could repeat a number or names an unknown field."""
    names = [match.group(1) for match in _PLACEHOLDER.finditer(pattern)]
    unknown = sorted(set(names) - set(CERTIFICATE_FIELDS))
    if unknown:
        raise RegisterError(_("Unknown field(s) in the certificate number format: %(fields)s", fields=", ".join(unknown)))
    for required in ("seq", "year", "level", "category"):
        if required not in names:
            raise RegisterError(_("The certificate number format must contain %(field)s.", field="{" + required + "}"))


def format_certificate_number(pattern: str, *, county: str, year: int, level: str, category: str,
                              seq: int) -> str:
    """Fill a format such as '{county}-{year}-{level}-{category}-{seq:04d}'."""
    check_certificate_format(pattern)
    values = {"county": county, "year": year, "level": level, "category": category, "seq": seq}

    def fill(match: re.Match) -> str:
        value = values[match.group(1)]
        width = match.group(2)
        return str(value).zfill(int(width)) if width else str(value)

    return _PLACEHOLDER.sub(fill, pattern)


def confer(*, user_id: int, level: str, category: str, conferred_on: date, term_years: int,
           subject: str | None = None, org_id: int | None = None, county_id: int | None = None,
           certificate_no: str | None = None, allowance_monthly: int | None = None,
           actor_id: int | None = None, instance_id: int | None = None, source: str = "conferral",
           valid_from: date | None = None, valid_until: date | None = None) -> TitleHolding:
    """Enter a new title (conferred here, or imported from an earlier register) with its first events.

    A title the person already holds actively (same level and category) is refused: renewal goes
    through `renew`.
    """
    held = db.session.scalar(select(TitleHolding.id).where(
        TitleHolding.user_id == user_id, TitleHolding.level == level, TitleHolding.category == category,
        TitleHolding.status == TitleStatus.active))
    if held is not None:
        raise RegisterError(_("This person already holds this title."))
    start = valid_from or conferred_on
    title = TitleHolding(
        user_id=user_id, level=level, category=category, subject=subject, org_id=org_id, county_id=county_id,
        certificate_no=certificate_no, conferred_on=conferred_on, valid_from=start,
        valid_until=valid_until or add_years(start, term_years), active=True, status=TitleStatus.active,
        allowance_monthly=allowance_monthly, source=source,
        allowance_from=first_of_next_month(conferred_on) if allowance_monthly is not None else None,
    )
    db.session.add(title)
    kind = TitleEventKind.imported if source == "import" else TitleEventKind.conferred
    record_event(title, kind, conferred_on, actor_id=actor_id, instance_id=instance_id,
                 details={"certificate_no": certificate_no} if certificate_no else None)
    if allowance_monthly is not None:
        record_event(title, TitleEventKind.allowance_started, title.allowance_from, actor_id=actor_id,
                     instance_id=instance_id, details={"amount": allowance_monthly})
    return title


def stop_allowance(title: TitleHolding, on: date, *, reason: str | None = None, actor_id: int | None = None,
                   instance_id: int | None = None) -> bool:
    """Stop the title's allowance from `on` (False if there was none running)."""
    if not title.allowance_active:
        return False
    title.allowance_until = on
    record_event(title, TitleEventKind.allowance_stopped, on, reason=reason, actor_id=actor_id,
                 instance_id=instance_id)
    return True


def _end(title: TitleHolding, status: str, kind: str, on: date, reason: str | None, actor_id: int | None,
         instance_id: int | None) -> None:
    if title.status != TitleStatus.active:
        raise RegisterError(_("This title is no longer valid."))
    title.status, title.active, title.status_reason = status, False, reason
    record_event(title, kind, on, reason=reason, actor_id=actor_id, instance_id=instance_id)
    stop_allowance(title, on, reason=reason, actor_id=actor_id, instance_id=instance_id)


def revoke(title: TitleHolding, on: date, reason: str, *, actor_id: int | None = None,
           instance_id: int | None = None) -> None:
    """Take a title away (with the reason its holder reads); the allowance stops the same day."""
    if not reason or not reason.strip():
        raise RegisterError(_("A revocation needs a reason."))
    _end(title, TitleStatus.revoked, TitleEventKind.revoked, on, reason.strip(), actor_id, instance_id)


def lapse(title: TitleHolding, on: date, *, instance_id: int | None = None) -> None:
    """End a title whose term is over and was not renewed (the lapse job)."""
    _end(title, TitleStatus.lapsed, TitleEventKind.lapsed, on, None, None, instance_id)


def reinstate(title: TitleHolding, on: date, reason: str, *, actor_id: int | None = None,
              instance_id: int | None = None) -> None:
    """Undo a revocation (an appeal reversed it); the allowance does not restart by itself."""
    if title.status != TitleStatus.revoked:
        raise RegisterError(_("Only a revoked title can be reinstated."))
    title.status, title.active, title.status_reason = TitleStatus.active, True, None
    record_event(title, TitleEventKind.reinstated, on, reason=reason, actor_id=actor_id, instance_id=instance_id)


def transfer(title: TitleHolding, on: date, to_org_id: int, *, personnel_change: bool, reason: str | None = None,
             actor_id: int | None = None, instance_id: int | None = None) -> None:
    """Record the holder's move to another organisation; with a change of personnel relationship the
    allowance stops (seed 002), the title itself is kept."""
    if title.status != TitleStatus.active:
        raise RegisterError(_("This title is no longer valid."))
    record_event(title, TitleEventKind.transferred, on, reason=reason, actor_id=actor_id, instance_id=instance_id,
                 details={"to_org_id": to_org_id, "personnel_change": personnel_change})
    if personnel_change:
        stop_allowance(title, on, reason=reason, actor_id=actor_id, instance_id=instance_id)


def renew(title: TitleHolding, on: date, term_years: int, *, actor_id: int | None = None,
          instance_id: int | None = None) -> None:
    """Extend an active title by a new term counted from its current end date."""
    if title.status != TitleStatus.active:
        raise RegisterError(_("This title is no longer valid."))
    previous = title.valid_until
    title.valid_until = add_years(previous, term_years)
    record_event(title, TitleEventKind.renewed, on, actor_id=actor_id, instance_id=instance_id,
                 details={"previous_until": previous.isoformat(), "until": title.valid_until.isoformat()})


def titles_due_to_lapse(on: date, limit: int | None = None) -> list[int]:
    """Ids of active titles whose term ended before `on` (read by the lapse job, by index)."""
    query = (select(TitleHolding.id).where(TitleHolding.status == TitleStatus.active, TitleHolding.valid_until < on)
             .order_by(TitleHolding.id))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))
