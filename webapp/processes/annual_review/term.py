"""Term end: reminders before a title expires, the lapse job, and renewal.

The lapse job runs in every scheduler; it claims due titles with `FOR UPDATE SKIP LOCKED` on
PostgreSQL (the SQLite lease keeps a second scheduler out), lapses each through the register
(which refuses a title that is no longer active) and tells holder and school once (the
notification's key is unique). Reminders go out `REMIND_MONTHS_BEFORE` months before the end,
each once per title (`title_term_notice`).
"""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ... import register
from ...calendar import local_zone
from ...extensions import db
from ...models import TitleHolding, TitleStatus
from ...i18n import is_english
from ...notifications.events import app_path
from ...labels import list_separator
from .duties import current_semester_short, duty_rules, pairing_credits
from .models import AnnualReview, AnnualReviewStatus, DutyRecord, DutyReminder, TitleTermNotice
from .schoolyear import school_year_of
from .notices import school_admin_ids, tell
from .transfers import current_school_id

# Default reminder policy for a title's end (months before `valid_until`), and for duties still
# short in a semester (days before the semester ends; once per semester).
REMIND_MONTHS_BEFORE = (6, 1)
DUTY_REMINDER_DAYS = 30
BATCH = 500


def local_today(now: datetime) -> date:
    return now.astimezone(local_zone()).date()


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (clamped to the month's end)."""
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def _claim(on: date, limit: int) -> list[TitleHolding]:
    # History and holder come in two queries per batch (not one lazy load per title); never joined,
    # so that FOR UPDATE locks the title rows only.
    query = (select(TitleHolding).where(TitleHolding.status == TitleStatus.active, TitleHolding.valid_until < on)
             .options(selectinload(TitleHolding.events), selectinload(TitleHolding.holder))
             .order_by(TitleHolding.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def lapse_due_titles(now: datetime, lease=None, batch: int = BATCH) -> int:
    """Lapse every title whose term ended before today; commit per batch; return how many lapsed."""
    on = local_today(now)
    lapsed = 0
    while True:
        if lease is not None:
            lease.renew()
        titles = _claim(on, batch)
        if not titles:
            db.session.rollback()
            return lapsed
        for title in titles:
            register.lapse(title, title.valid_until)
            holder = title.holder
            tell([title.user_id, *school_admin_ids(current_school_id(title))], title, f"title:{title.id}:lapsed",
                 lambda: _("The title of %(name)s ended on %(day)s without renewal and has lapsed; the allowance stopped.",
                           name=holder.display_name, day=title.valid_until.isoformat()),
                 link=app_path("annual_review.career_record", user_id=title.user_id))
        lapsed += len(titles)
        db.session.commit()


def remind_expiring(now: datetime, lease=None, months: tuple[int, ...] = REMIND_MONTHS_BEFORE) -> int:
    """Tell holders whose title ends within `months` (each reminder once: the `title_term_notice`
    row is inserted first, ON CONFLICT DO NOTHING, so a second scheduler skips it); return how many."""
    on = local_today(now)
    sent = 0
    dialect_insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # The nearest reminder first: a title already within one month is not also told "six months".
    for month in sorted(months):
        if lease is not None:
            lease.renew()
        horizon = on
        # Titles ending on or before `on + month months` whose reminder for `month` was not sent.
        limit_day = _add_months(on, month)
        query = (select(TitleHolding).outerjoin(
            TitleTermNotice, and_(TitleTermNotice.title_id == TitleHolding.id, TitleTermNotice.months_before == month))
            .where(TitleHolding.status == TitleStatus.active, TitleHolding.valid_until <= limit_day,
                   TitleHolding.valid_until >= horizon, TitleTermNotice.title_id.is_(None))
            .order_by(TitleHolding.id).limit(BATCH))
        for title in db.session.scalars(query):
            claimed = db.session.scalar(dialect_insert(TitleTermNotice).values(
                title_id=title.id, months_before=month).on_conflict_do_nothing().returning(TitleTermNotice.title_id))
            if claimed is None:
                continue  # another scheduler sent it
            for farther in (m for m in months if m > month):
                db.session.execute(dialect_insert(TitleTermNotice).values(
                    title_id=title.id, months_before=farther).on_conflict_do_nothing())
            tell([title.user_id], title, f"title:{title.id}:expiring:{month}",
                 lambda: _("Your title %(title)s ends on %(day)s. Apply for renewal before then, or it lapses.",
                           title=_title_words(title), day=title.valid_until.isoformat()),
                 link=app_path("annual_review.career_record", user_id=title.user_id))
            sent += 1
        db.session.commit()
    return sent


def _title_words(title: TitleHolding) -> str:
    from ...titles import title_label

    return title_label(title.level, title.category)


def _add_months(day: date, months: int) -> date:
    return months_before(day, -months)


def remind_short_duties(now: datetime, lease=None, days: int = DUTY_REMINDER_DAYS) -> int:
    """In the last `days` of a semester, tell each holder whose log is short of a duty this
    semester (or this school year), once per semester; return how many were told."""
    on = local_today(now)
    year = school_year_of(on)
    semester = year.semester_of(on)
    end = year.semester_end(semester)
    if (end - on).days > days:
        return 0
    dialect_insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rules: dict[tuple, list] = {}
    told = 0
    while True:
        if lease is not None:
            lease.renew()
        checked = select(DutyReminder.title_id).where(DutyReminder.school_year == year.start_year,
                                                      DutyReminder.semester == semester)
        titles = list(db.session.scalars(
            select(TitleHolding).where(TitleHolding.status == TitleStatus.active, TitleHolding.id.not_in(checked))
            .order_by(TitleHolding.id).limit(BATCH)))
        if not titles:
            db.session.rollback()
            return told
        records: dict[int, list] = {}
        for record in db.session.scalars(select(DutyRecord).where(
                DutyRecord.title_id.in_([t.id for t in titles]), DutyRecord.school_year == year.start_year)):
            records.setdefault(record.title_id, []).append(record)
        credits = pairing_credits(titles, year.start_year)  # a pairing meets the apprentice duty
        for title in titles:
            mine = db.session.scalar(dialect_insert(DutyReminder).values(
                title_id=title.id, school_year=year.start_year, semester=semester)
                .on_conflict_do_nothing().returning(DutyReminder.title_id))
            if mine is None:
                continue  # another scheduler checked it
            key = (title.level, title.category, title.county_id)
            if key not in rules:
                rules[key] = duty_rules(title.level, title.category, title.county_id)
            short = current_semester_short(rules[key], records.get(title.id, []), year, on, credits.get(title.id))
            if short:
                names = lambda: list_separator().join(duty.name(is_english()) for duty in short)  # noqa: E731
                tell([title.user_id], title, f"title:{title.id}:duties:{year.start_year}:{semester}",
                     lambda: _("The semester ends on %(day)s and your duty log is still short of: %(duties)s.",
                               day=end.isoformat(), duties=names()),
                     link=app_path("annual_review.duty_log"))
                told += 1
        db.session.commit()


def term_job(now: datetime, lease) -> int:
    """The scheduler's job: duty reminders before a semester ends, reminders before a title ends,
    then the lapse of titles past their end."""
    return remind_short_duties(now, lease) + remind_expiring(now, lease) + lapse_due_titles(now, lease)


def reviews_in_term(title: TitleHolding) -> list[AnnualReview]:
    """The title's annual reviews, oldest first."""
    return list(db.session.scalars(select(AnnualReview).where(AnnualReview.title_id == title.id)
                                   .order_by(AnnualReview.school_year)))


# Why a title may not be renewed, as the eligibility rule (workflows/eligibility.dmn) reads it.
RENEWAL_OK, RENEWAL_NOT_ACTIVE, RENEWAL_NO_REVIEW, RENEWAL_OPEN_REVIEW, RENEWAL_FAILED_REVIEW = (
    "", "not_active", "no_review", "open_review", "failed_review")


FAILED_REVIEW = (AnnualReviewStatus.appeal_window, AnnualReviewStatus.appeal, AnnualReviewStatus.revoked)


def renewal_check(title: TitleHolding) -> str:
    """The renewal rule (every annual review of the term passed): "" when met, else why not (a code)."""
    if title.status != TitleStatus.active:
        return RENEWAL_NOT_ACTIVE
    reviews = reviews_in_term(title)
    if not reviews:
        return RENEWAL_NO_REVIEW
    # A review failed (its appeal still open, or revoked) refuses the renewal now; an appeal upheld later passes it.
    if any(r.status in FAILED_REVIEW for r in reviews):
        return RENEWAL_FAILED_REVIEW
    if any(r.status not in (AnnualReviewStatus.passed, AnnualReviewStatus.void) for r in reviews):
        return RENEWAL_OPEN_REVIEW
    if any(r.status is not AnnualReviewStatus.passed for r in reviews):
        return RENEWAL_FAILED_REVIEW
    return RENEWAL_OK


def renewal_refusal(title: TitleHolding) -> str | None:
    """Why the title may not be renewed (the renewal rule: every annual review of the term passed), or None."""
    return {
        RENEWAL_NOT_ACTIVE: lambda: _("This title is no longer valid."),
        RENEWAL_NO_REVIEW: lambda: _("No annual review of this term has been held yet."),
        RENEWAL_OPEN_REVIEW: lambda: _("An annual review of this term is still open."),
        RENEWAL_FAILED_REVIEW: lambda: _("Not every annual review of this term was passed."),
    }.get(renewal_check(title), lambda: None)()
