"""Who runs annual reviews where: county offices over their county's titles, reviews and transfers."""
from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...core.errors import NotFound
from ...extensions import db
from ...models import Organisation, OrgKind, TitleHolding, TitleStatus, User
from ...roles import Role
from .models import AnnualReview, AnnualReviewRound


def office_counties(user: User) -> list[Organisation]:
    """The counties where the user is the county office."""
    return [org for role, org in user.role_scopes() if role is Role.county_office and org.kind is OrgKind.county]


def office_county(user: User, county_id: int) -> Organisation:
    """A county the user runs, else the out-of-scope answer."""
    for county in office_counties(user):
        if county.id == county_id:
            return county
    raise NotFound(_("No such page."))


def rounds_of(county: Organisation) -> list[tuple[AnnualReviewRound, Counter]]:
    """The county's review rounds, newest first, with how many reviews stand where."""
    rounds = db.session.scalars(select(AnnualReviewRound).filter_by(county_id=county.id)
                                .order_by(AnnualReviewRound.school_year.desc())).all()
    result = []
    for round_ in rounds:
        counts = Counter({status.value: n for status, n in db.session.execute(
            select(AnnualReview.status, func.count()).where(AnnualReview.round_id == round_.id)
            .group_by(AnnualReview.status))})
        result.append((round_, counts))
    return result


def managed_round(user: User, round_id: int) -> AnnualReviewRound:
    """A round of a county the user runs, else the out-of-scope answer."""
    round_ = db.session.get(AnnualReviewRound, round_id)
    if round_ is None or round_.county_id not in {c.id for c in office_counties(user)}:
        raise NotFound(_("No such page."))
    return round_


def round_reviews(round_: AnnualReviewRound, status: str | None = None, limit: int = 500) -> list[AnnualReview]:
    """The reviews of a round (a page of them), by holder."""
    query = select(AnnualReview).where(AnnualReview.round_id == round_.id)
    if status:
        query = query.where(AnnualReview.status == status)
    return list(db.session.scalars(query.order_by(AnnualReview.id).limit(limit)))


def county_titles(county: Organisation, limit: int = 500) -> list[TitleHolding]:
    """Titles in force in the county, the soonest to expire first."""
    return list(db.session.scalars(
        select(TitleHolding).where(TitleHolding.county_id == county.id, TitleHolding.status == TitleStatus.active)
        .order_by(TitleHolding.valid_until, TitleHolding.id).limit(limit)))


def managed_title(user: User, title_id: int) -> TitleHolding:
    """A title in a county the user runs, else the out-of-scope answer."""
    title = db.session.get(TitleHolding, title_id)
    if title is None or title.county_id not in {c.id for c in office_counties(user)}:
        raise NotFound(_("No such page."))
    return title
