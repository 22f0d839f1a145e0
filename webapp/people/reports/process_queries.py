"""Reports of the processes that came after the county review — annual reviews, rotation plans,
training cohorts and conferrals — and the report over several counties at once. Every query is
limited to the organisations below `scope` (its path), like `queries.py`."""
from __future__ import annotations

from collections import Counter, defaultdict

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import ApplicationCycle, Organisation, OrgKind, TeacherProfile, TitleHolding, User
from ...models.people import TitleStatus
from ...processes.annual_review.labels import REVIEW_STATUS
from ...processes.annual_review.models import FINAL_STATUSES, AnnualReview
from ...processes.conferral.models import Conferral, ConferralEntry
from ...processes.rotation_plan.labels import DUE_RULES, FORM_LABELS, PLAN_STATUS, ROTATION_STATUS
from ...processes.rotation_plan.models import (DueEntry, Nomination, NominationStatus, Rotation, RotationPlan,
                                               RotationStatus)
from ...processes.training.labels import TRAINEE_STATUS
from ...processes.training.models import Trainee, TraineeStatus, TrainingCohort
from ...titles import TITLE_STATUSES, call_title, category_label, level_label
from .queries import Table, _within, memoised


def _counties_of(scope: Organisation):
    """The ids of the counties whose processes concern the scope (a school's own county)."""
    if scope.kind is OrgKind.school:
        return select(Organisation.parent_id).where(Organisation.id == scope.id)
    return select(Organisation.id).where(_within(scope), Organisation.kind == OrgKind.county)


def _label(table: dict, key: str) -> str:
    return str(table.get(key, key))


# -- annual review ----------------------------------------------------------------------------------
def annual_years(scope: Organisation) -> list[int]:
    """School years with annual reviews of holders at schools in the scope, latest first."""
    query = (select(AnnualReview.school_year).join(Organisation, Organisation.id == AnnualReview.school_id)
             .where(_within(scope)).group_by(AnnualReview.school_year).order_by(AnnualReview.school_year.desc()))
    return list(db.session.scalars(query.limit(50)))


def annual_outcomes(scope: Organisation, school_year: int | None) -> Table | None:
    """One school year's annual reviews per school: still open, passed, revoked, closed (void)."""
    if school_year is None:
        return None
    query = (select(Organisation.name, AnnualReview.status, func.count()).select_from(AnnualReview)
             .join(Organisation, Organisation.id == AnnualReview.school_id)
             .where(_within(scope), AnnualReview.school_year == school_year)
             .group_by(Organisation.name, AnnualReview.status))
    columns = ["open", *[status.value for status in FINAL_STATUSES]]
    counts: dict[str, Counter] = defaultdict(Counter)
    for school, status, count in db.session.execute(query):
        counts[school]["open" if status not in FINAL_STATUSES else status.value] += count
    table = Table(_("Annual review outcomes, school year %(year)s–%(next)s", year=school_year, next=school_year + 1),
                  [_("School"), _("In progress")] + [_label(REVIEW_STATUS, s) for s in columns[1:]] + [_("Total")])
    for school in sorted(counts):
        row = [counts[school][c] for c in columns]
        table.rows.append([school, *row, sum(row)])
    table.total = [_("Total"), *[sum(c[k] for c in counts.values()) for k in columns],
                   sum(sum(c.values()) for c in counts.values())]
    return table


# -- rotation ---------------------------------------------------------------------------------------
def plan_choices(scope: Organisation) -> list[RotationPlan]:
    """Rotation plans of the counties concerning the scope, latest first."""
    return list(db.session.scalars(select(RotationPlan).where(RotationPlan.county_id.in_(_counties_of(scope)))
                                   .order_by(RotationPlan.year.desc(), RotationPlan.id.desc()).limit(100)))


def plan_label(plan: RotationPlan) -> str:
    return f"{plan.year} · {plan.county.name if plan.county else ''} · {_label(PLAN_STATUS, plan.status.value)}"


def rotations(scope: Organisation, plan: RotationPlan | None) -> Table | None:
    """A plan per (sending) school and form: due, nominated, exempted, and rotations by status."""
    if plan is None:
        return None
    rows: dict[tuple[str, str], Counter] = defaultdict(Counter)
    due = (select(Organisation.name, DueEntry.form, func.count(func.distinct(DueEntry.user_id)))
           .join(Organisation, Organisation.id == DueEntry.school_id)
           .where(DueEntry.plan_id == plan.id, _within(scope)).group_by(Organisation.name, DueEntry.form))
    for school, form, count in db.session.execute(due):
        rows[(school, form or "")]["due"] += count
    nominated = (select(Organisation.name, Nomination.form, Nomination.status, func.count())
                 .join(Organisation, Organisation.id == Nomination.school_id)
                 .where(Nomination.plan_id == plan.id, _within(scope))
                 .group_by(Organisation.name, Nomination.form, Nomination.status))
    for school, form, status, count in db.session.execute(nominated):
        rows[(school, form or "")][status.value] += count
    placed = (select(Organisation.name, Rotation.form, Rotation.status, func.count())
              .join(Organisation, Organisation.id == Rotation.sending_school_id)
              .where(Rotation.plan_id == plan.id, _within(scope))
              .group_by(Organisation.name, Rotation.form, Rotation.status))
    for school, form, status, count in db.session.execute(placed):
        rows[(school, form or "")][status.value] += count
    keys = ["due", NominationStatus.nominated.value, NominationStatus.exempted.value,
            *[status.value for status in RotationStatus]]
    table = Table(_("Rotations by school and form: plan %(year)s, %(county)s (%(status)s)", year=plan.year,
                    county=plan.county.name, status=_label(PLAN_STATUS, plan.status.value)),
                  [_("School"), _("Form"), _("Due"), _("Nominated"), _("Exempted")]
                  + [_label(ROTATION_STATUS, status.value) for status in RotationStatus])
    for school, form in sorted(rows):
        table.rows.append([school, _label(FORM_LABELS, form), *[rows[(school, form)][k] for k in keys]])
    table.total = [_("Total"), "", *[sum(c[k] for c in rows.values()) for k in keys]]
    return table


def due_list(scope: Organisation, plan: RotationPlan | None, english: bool) -> Table | None:
    """A plan's due list: each person at a school in the scope, the rule and the form, and why."""
    if plan is None:
        return None
    query = (select(User.display_name, Organisation.name, DueEntry.rule, DueEntry.form, DueEntry.reason_zh,
                    DueEntry.reason_en)
             .join(User, User.id == DueEntry.user_id).join(Organisation, Organisation.id == DueEntry.school_id)
             .where(DueEntry.plan_id == plan.id, _within(scope))
             .order_by(Organisation.name, User.display_name, DueEntry.rule).limit(10000))
    table = Table(_("Due list: plan %(year)s, %(county)s", year=plan.year, county=plan.county.name),
                  [_("Full name"), _("School"), _("Rule"), _("Form"), _("Reason")])
    for name, school, rule, form, reason_zh, reason_en in db.session.execute(query):
        table.rows.append([name, school, _label(DUE_RULES, rule), _label(FORM_LABELS, form or ""),
                           reason_en if english else reason_zh])
    return table


# -- training and conferral -------------------------------------------------------------------------
def trainees(scope: Organisation, english: bool) -> Table:
    """Trainees per cohort and school, by status."""
    query = (select(ApplicationCycle, Organisation.name, Trainee.status, func.count()).select_from(Trainee)
             .join(TrainingCohort, TrainingCohort.id == Trainee.cohort_id)
             .join(ApplicationCycle, ApplicationCycle.id == TrainingCohort.cycle_id)
             .join(Organisation, Organisation.id == Trainee.school_id)
             .where(_within(scope))
             .group_by(ApplicationCycle, Organisation.name, Trainee.status))
    statuses = list(TraineeStatus)
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for cycle, school, status, count in db.session.execute(query):
        counts[(call_title(cycle, english), school)][status] += count
    table = Table(_("Trainees by cohort, school and status"),
                  [_("Cohort"), _("School")] + [_label(TRAINEE_STATUS, s.value) for s in statuses] + [_("Total")])
    for cohort, school in sorted(counts):
        row = [counts[(cohort, school)][s] for s in statuses]
        table.rows.append([cohort, school, *row, sum(row)])
    table.total = [_("Total"), "", *[sum(c[s] for c in counts.values()) for s in statuses],
                   sum(sum(c.values()) for c in counts.values())]
    return table


def conferred(scope: Organisation, english: bool) -> Table:
    """Titles conferred by this system to teachers of schools in the scope, with their certificate
    numbers and where they stand in the register now (`TitleHolding.status`)."""
    school = aliased(Organisation)
    query = (select(User.display_name, school.name, TitleHolding.level, TitleHolding.category,
                    TitleHolding.certificate_no, Conferral.conferred_on, TitleHolding.valid_until, TitleHolding.status)
             .select_from(ConferralEntry)
             .join(Conferral, Conferral.id == ConferralEntry.conferral_id)
             .join(TitleHolding, TitleHolding.id == ConferralEntry.title_id)
             .join(User, User.id == ConferralEntry.user_id)
             .join(Trainee, Trainee.id == ConferralEntry.trainee_id)
             .join(school, school.id == Trainee.school_id)
             .where(_within(scope, school.path))
             .order_by(Conferral.conferred_on.desc(), school.name, User.display_name).limit(10000))
    table = Table(_("Conferred titles and their certificates"),
                  [_("Full name"), _("School"), _("Level"), _("Category"), _("Certificate"), _("Conferred on"),
                   _("Valid until"), _("Status")])
    level_of, category_of = memoised(level_label, english), memoised(category_label, english)
    status_of = memoised(lambda status, _english: _label(TITLE_STATUSES, status), english)
    for name, school_name, level, category, certificate, on, until, status in db.session.execute(query):
        table.rows.append([name, school_name, level_of(level), category_of(category),
                           certificate or "", on, until, status_of(status)])
    return table


# -- several counties at once -----------------------------------------------------------------------
def county_choices(scope: Organisation) -> list[Organisation]:
    """The counties below a city (or province) scope, by code."""
    return list(db.session.scalars(select(Organisation).where(_within(scope), Organisation.kind == OrgKind.county)
                                   .order_by(Organisation.code).limit(500)))


def counties_holders(counties: list[Organisation]) -> Table:
    """Title holders of each school of the chosen counties by register status: one table, a block of
    rows per county followed by the county's subtotal, and the total of all."""
    statuses = list(TitleStatus.ALL)
    table = Table(_("Title holders of several counties"),
                  [_("County"), _("School")] + [_label(TITLE_STATUSES, s) for s in statuses] + [_("Total")])
    if not counties:
        return table
    query = (select(Organisation.path, Organisation.name, TitleHolding.status, func.count())
             .select_from(TitleHolding)
             .join(TeacherProfile, TeacherProfile.user_id == TitleHolding.user_id)
             .join(Organisation, Organisation.id == TeacherProfile.school_id)
             .where(or_(*[_within(county) for county in counties]))
             .group_by(Organisation.path, Organisation.name, TitleHolding.status))
    by_county: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    county_at = {county.path: county.id for county in counties}  # a school's county: one of its path's prefixes
    for path, school, status, count in db.session.execute(query):
        ends = [index + 1 for index, char in enumerate(path) if char == "/"]
        county_id = next((county_at[path[:end]] for end in ends if path[:end] in county_at), None)
        if county_id is not None:
            by_county[county_id][school][status] += count
    grand: Counter = Counter()
    for county in counties:
        schools = by_county.get(county.id, {})
        subtotal: Counter = Counter()
        for school in sorted(schools):
            row = [schools[school][s] for s in statuses]
            table.rows.append([county.name, school, *row, sum(row)])
            subtotal.update(schools[school])
        row = [subtotal[s] for s in statuses]
        table.rows.append([county.name, _("Subtotal"), *row, sum(row)])
        grand.update(subtotal)
    table.total = [_("Total"), "", *[grand[s] for s in statuses], sum(grand[s] for s in statuses)]
    return table
