"""Entering many titles held from before this system at once (the Excel import of title holders).

The same invariants as `register.confer` (an active title with its `imported` event, and the
allowance from the first of the month after conferral with its `allowance_started` event; no second
active title of the same level and category), written as bulk inserts (`webapp.imports.bulk`): one `confer` per row costs a
query and an ORM flush each, far too slow for a province's 40,000 rows. Nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..imports.bulk import insert_rows
from ..imports.lookup import matching
from ..models import TitleEvent, TitleEventKind, TitleHolding, TitleStatus
from . import RegisterError, first_of_next_month



@dataclass(frozen=True)
class HeldTitle:
    """One title to enter."""

    user_id: int
    level: str
    category: str
    conferred_on: date
    valid_until: date
    certificate_no: str
    subject: str | None = None
    org_id: int | None = None
    allowance_monthly: int | None = None


def import_titles(titles: list[HeldTitle], *, county_id: int, actor_id: int | None = None) -> int:
    """Enter every title (status active, source import) with its first events; refuse them all if
    anyone already holds one of the titles actively or appears twice for the same title."""
    keys = [(t.user_id, t.level, t.category) for t in titles]
    if len(set(keys)) != len(keys):
        raise RegisterError(_("This person already holds this title."))
    for condition in matching(TitleHolding.user_id, sorted({t.user_id for t in titles})):
        held = set(db.session.execute(select(TitleHolding.user_id, TitleHolding.level, TitleHolding.category).where(
            TitleHolding.status == TitleStatus.active, condition)).all())
        if held & set(keys):
            raise RegisterError(_("This person already holds this title."))
    rows = [{"user_id": t.user_id, "level": t.level, "category": t.category, "subject": t.subject, "org_id": t.org_id,
             "county_id": county_id, "certificate_no": t.certificate_no, "conferred_on": t.conferred_on,
             "valid_from": t.conferred_on, "valid_until": t.valid_until, "active": True, "status": TitleStatus.active,
             "allowance_monthly": t.allowance_monthly, "source": "import",
             "allowance_from": first_of_next_month(t.conferred_on) if t.allowance_monthly is not None else None}
            for t in titles]
    # Inserted without RETURNING (COPY on PostgreSQL; SQLite would run a RETURNING insert row by row),
    # then the ids read back by certificate number, which is unique in the register.
    holdings, title_events = TitleHolding.__table__, TitleEvent.__table__
    ids: dict[str, int] = {}
    for start in range(0, len(rows), 2000):
        chunk = rows[start:start + 2000]
        insert_rows(holdings, chunk)
        for condition in matching(holdings.c.certificate_no, [row["certificate_no"] for row in chunk]):
            ids.update((number, title_id) for title_id, number in db.session.execute(
                select(holdings.c.id, holdings.c.certificate_no).where(condition)))
    events = []
    for row in rows:
        title_id = ids[row["certificate_no"]]
        events.append({"title_id": title_id, "kind": TitleEventKind.imported, "on_date": row["conferred_on"],
                       "actor_id": actor_id, "details": {"certificate_no": row["certificate_no"]}})
        if row["allowance_monthly"] is not None:
            events.append({"title_id": title_id, "kind": TitleEventKind.allowance_started,
                           "on_date": row["allowance_from"], "actor_id": actor_id,
                           "details": {"amount": row["allowance_monthly"]}})
    insert_rows(title_events, events)
    return len(rows)
