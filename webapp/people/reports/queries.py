"""The reports as tables: every query is limited to the organisations below `scope` (its path)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import String, bindparam, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from ...extensions import db
from ...models import ApplicationCycle, Organisation, OrgKind, TeacherProfile, TitleHolding, User
from ...processes.county_review.labels import CANDIDATE_STATUS
from ...processes.county_review.models import ReviewCandidate, ReviewCandidateStatus, ReviewRound
from ...processes.school_vote.models import CandidateStatus, RoundCandidate, VoteRound
from ...processes.self_application.models import Application, ApplicationStatus
from ...models.people import TitleStatus
from ...titles import TITLE_STATUSES, call_title, category_label, level_label
from ..subjects import subject_label


@dataclass
class Table:
    """A report: title, column headers, rows of plain values, and an optional total row."""

    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    # Per row, the id of the organisation the row's first cell drills down to (a report of it), or None.
    links: list[int | None] = field(default_factory=list)


# The register's own states (`TitleHolding.status`): active, revoked, lapsed, expired (superseded).
STATUS_LABELS = TITLE_STATUSES
GROUPINGS = {"org": _l("Organisation"), "level": _l("Level"), "category": _l("Category"), "subject": _l("Subject"),
             "status": _l("Status")}


def _within(scope: Organisation, path=Organisation.path):
    """`path` (an organisation's, by default) lies below the scope: a LIKE on the path's prefix.

    The prefix is written into the SQL (`literal_execute`), not sent as a parameter: psycopg prepares
    a statement after five runs, and PostgreSQL may then switch to a generic plan that guesses a
    handful of organisations for `LIKE $1`; for a province (every organisation) that plan walked
    240,000 teacher profiles in nested loops (0.85 s instead of 0.07 s, bench/bench_people.py).
    Paths hold ids and slashes only (`assign_path`), so the prefix has no LIKE wildcard to escape."""
    if scope.path.strip("/0123456789"):
        raise ValueError(f"unexpected organisation path {scope.path!r}")
    return path.like(bindparam(None, f"{scope.path}%", type_=String(), literal_execute=True))


def memoised(label, english: bool):
    """`label(code, english)` remembered per code for one report: a label switches the locale each time,
    which costs more than the rest of a row (thousands of rows, a handful of codes)."""
    seen: dict = {}

    def lookup(code):
        if code not in seen:
            seen[code] = label(code, english)
        return seen[code]

    return lookup


def child_names(scope: Organisation) -> dict[int, str]:
    """The organisations directly below the scope (a school's report groups by the school itself)."""
    if scope.kind is OrgKind.school:
        return {scope.id: scope.name}
    return dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.parent_id == scope.id)).all())


def holder_counts(scope: Organisation, by: str) -> list[tuple]:
    """(key, rural, level, category, register status, count) over the scope, aggregated in SQL into a
    few hundred rows whatever the number of holders. `key` is what the table groups by besides level,
    category and status: the id of the organisation directly below the scope that contains the holder's
    school (`by == "org"`; None for a holder placed at the scope itself), the subject (`"subject"`), or
    None. Columns only: no ORM object is loaded."""
    school = aliased(Organisation)
    below = by == "org" and scope.kind is not OrgKind.school
    key = (_path_segment(school.path, bindparam(None, len(scope.path) + 1, literal_execute=True)) if below
           else TeacherProfile.subject if by == "subject" else None)
    columns = ([] if key is None else [key]) + [school.is_rural, TitleHolding.level, TitleHolding.category,
                                                TitleHolding.status]
    query = (select(*columns, func.count())
             .select_from(TitleHolding)
             .join(TeacherProfile, TeacherProfile.user_id == TitleHolding.user_id)
             .join(school, school.id == TeacherProfile.school_id)
             .where(_within(scope, school.path))
             .group_by(*columns))
    rows = db.session.execute(query).all()
    if below:  # the segment, '' for a holder placed at the scope itself
        return [(int(segment) if segment else None, *rest) for segment, *rest in rows]
    if key is not None:
        return [tuple(row) for row in rows]
    fixed = scope.id if by == "org" else None  # a school's report groups by the school itself
    return [(fixed, *row) for row in rows]


class _path_segment(FunctionElement):
    """The id that starts at character `start` of a materialised path ('/1/17/230/' from 4, after the
    scope's '/1/' → '17'), as text; '' when the path ends there. One string function per row, where a
    LIKE join against every child organisation cost a comparison per child."""

    type = String()
    inherit_cache = True


@compiles(_path_segment)
def _path_segment_default(element, compiler, **kw):
    path, start = list(element.clauses)
    rest = f"substr({compiler.process(path, **kw)}, {compiler.process(start, **kw)})"
    return f"substr({rest}, 1, instr({rest}, '/') - 1)"


@compiles(_path_segment, "postgresql")
def _path_segment_postgresql(element, compiler, **kw):
    path, start = list(element.clauses)
    rest = f"substr({compiler.process(path, **kw)}, {compiler.process(start, **kw)})"
    return f"split_part({rest}, '/', 1)"


def holders(scope: Organisation, by: str, english: bool) -> tuple[Table, dict]:
    """Title holders grouped by `by` with a column per status; plus the level × category and
    urban/rural counts for the charts; by organisation, `links` maps each row to the organisation to
    drill down to."""
    names = child_names(scope) if by == "org" else {}
    counts: dict[str, Counter] = defaultdict(Counter)
    matrix: Counter = Counter()
    rural: Counter = Counter()
    links: dict[str, int] = {}
    for key, is_rural, level, category, status, count in holder_counts(scope, by):
        if by == "org":
            label = names.get(key, "?")
            if key in names and key != scope.id:
                links[label] = key
        elif by == "level":
            label = level_label(level, english)
        elif by == "category":
            label = category_label(category, english)
        elif by == "subject":
            label = subject_label(key, english)
        else:
            label = str(STATUS_LABELS.get(status, status))
        counts[label][status] += count
        if status == TitleStatus.active:
            matrix[(level, category)] += count
            rural["rural" if is_rural else "urban"] += count
    statuses = list(STATUS_LABELS)
    table = Table(_("Title holders by %(grouping)s", grouping=str(GROUPINGS[by]).lower()),
                  [str(GROUPINGS[by])] + [str(STATUS_LABELS[s]) for s in statuses] + [_("Total")])
    for label in sorted(counts):
        row = [counts[label][s] for s in statuses]
        table.rows.append([label, *row, sum(row)])
        table.links.append(links.get(label))
    table.total = [_("Total"), *[sum(counts[k][s] for k in counts) for s in statuses],
                   sum(sum(c.values()) for c in counts.values())]
    return table, {"matrix": matrix, "rural": rural}


def expiring(scope: Organisation, months: int, english: bool, today: date | None = None) -> Table:
    """Titles active in the register whose certificate ends within `months` months, soonest first."""
    today = today or date.today()
    until = today + timedelta(days=round(months * 30.44))
    query = (select(User.display_name, Organisation.name, TitleHolding.level, TitleHolding.category,
                    TitleHolding.certificate_no, TitleHolding.valid_until)
             .select_from(TitleHolding)
             .join(User, User.id == TitleHolding.user_id)
             .join(TeacherProfile, TeacherProfile.user_id == TitleHolding.user_id)
             .join(Organisation, Organisation.id == TeacherProfile.school_id)
             .where(_within(scope), TitleHolding.status == TitleStatus.active, TitleHolding.valid_until >= today,
                    TitleHolding.valid_until <= until)
             .order_by(TitleHolding.valid_until, User.display_name).limit(5000))
    table = Table(_("Titles expiring in the next %(months)d months", months=months),
                  [_("Full name"), _("School"), _("Level"), _("Category"), _("Certificate"), _("Valid until")])
    level_of, category_of = memoised(level_label, english), memoised(category_label, english)
    for name, school, level, category, certificate, until_day in db.session.execute(query):
        table.rows.append([name, school, level_of(level), category_of(category),
                           certificate or "", until_day])
    return table


APPLICATION_STATUSES = [ApplicationStatus.draft, ApplicationStatus.submitted, ApplicationStatus.returned,
                        ApplicationStatus.ineligible, ApplicationStatus.accepted, ApplicationStatus.withdrawn,
                        ApplicationStatus.expired]
APPLICATION_LABELS = {ApplicationStatus.draft: _l("Draft"), ApplicationStatus.submitted: _l("Submitted"),
                      ApplicationStatus.returned: _l("Returned"), ApplicationStatus.ineligible: _l("Not eligible"),
                      ApplicationStatus.accepted: _l("Accepted"), ApplicationStatus.withdrawn: _l("Withdrawn"),
                      ApplicationStatus.expired: _l("Expired")}


def applications(scope: Organisation, cycle_year: int | None) -> Table:
    """Applications per school and stage (optionally of one year's calls)."""
    query = (select(Organisation.name, Application.status, func.count()).select_from(Application)
             .join(Organisation, Organisation.id == Application.school_id).where(_within(scope))
             .group_by(Organisation.name, Application.status))
    if cycle_year:
        query = query.join(ApplicationCycle, ApplicationCycle.id == Application.cycle_id).where(ApplicationCycle.year == cycle_year)
    counts: dict[str, Counter] = defaultdict(Counter)
    for school, status, count in db.session.execute(query):
        counts[school][status] += count
    table = Table(_("Applications and their stage per school"),
                  [_("School")] + [str(APPLICATION_LABELS[s]) for s in APPLICATION_STATUSES] + [_("Total")])
    for school in sorted(counts):
        row = [counts[school][s] for s in APPLICATION_STATUSES]
        table.rows.append([school, *row, sum(row)])
    table.total = [_("Total"), *[sum(c[s] for c in counts.values()) for s in APPLICATION_STATUSES],
                   sum(sum(c.values()) for c in counts.values())]
    return table


def quota_use(scope: Organisation, english: bool) -> tuple[Table, list[tuple[str, list[int]]]]:
    """Per call in the scope: places, applications, recommended by schools, selected by the county,
    conferred (valid titles of that level × category starting in the call's year); and the funnel."""
    county_ids = select(Organisation.id).where(_within(scope), Organisation.kind == OrgKind.county)
    if scope.kind is OrgKind.school:
        county_ids = select(Organisation.parent_id).where(Organisation.id == scope.id)
    cycles = list(db.session.scalars(select(ApplicationCycle).where(ApplicationCycle.county_id.in_(county_ids))
                                     .order_by(ApplicationCycle.year.desc(), ApplicationCycle.id).limit(200)))
    school_filter = _within(scope)
    table = Table(_("Quota use per call"), [_("Call"), _("County"), _("Places"), _("Applications"), _("Recommended"),
                                            _("Selected"), _("Conferred")])
    funnel = []
    for cycle in cycles:
        apps = db.session.scalar(select(func.count()).select_from(Application)
                                 .join(Organisation, Organisation.id == Application.school_id)
                                 .where(Application.cycle_id == cycle.id, school_filter,
                                        Application.status != ApplicationStatus.draft))
        recommended = db.session.scalar(select(func.count()).select_from(RoundCandidate)
                                        .join(VoteRound, VoteRound.id == RoundCandidate.round_id)
                                        .join(Organisation, Organisation.id == VoteRound.school_id)
                                        .where(VoteRound.cycle_id == cycle.id, school_filter,
                                               RoundCandidate.status == CandidateStatus.recommended))
        places = db.session.scalar(select(func.max(ReviewRound.places)).where(ReviewRound.cycle_id == cycle.id))
        selected = db.session.scalar(select(func.count()).select_from(ReviewCandidate)
                                     .join(Organisation, Organisation.id == ReviewCandidate.school_id)
                                     .where(ReviewCandidate.cycle_id == cycle.id, school_filter,
                                            ReviewCandidate.status == ReviewCandidateStatus.formal))
        conferred = db.session.scalar(select(func.count()).select_from(TitleHolding)
                                      .join(TeacherProfile, TeacherProfile.user_id == TitleHolding.user_id)
                                      .join(Organisation, Organisation.id == TeacherProfile.school_id)
                                      .where(school_filter, TitleHolding.level == cycle.level,
                                             TitleHolding.category == cycle.category,
                                             func.extract("year", TitleHolding.valid_from) == cycle.year))
        name = call_title(cycle, english)
        table.rows.append([name, cycle.county.name, places if places is not None else "—", apps, recommended, selected,
                           conferred])
        funnel.append((name, [apps, recommended, selected, conferred]))
    return table, funnel


def review_choices(scope: Organisation) -> list[ReviewRound]:
    """County reviews inside the scope (a school has none of its own)."""
    return list(db.session.scalars(select(ReviewRound).join(Organisation, Organisation.id == ReviewRound.office_id)
                                   .where(_within(scope)).order_by(ReviewRound.id.desc()).limit(100)))


def rankings(scope: Organisation, review_id: int | None, english: bool) -> Table | None:
    """One review's candidates by rank (only candidates of schools in the scope)."""
    review = db.session.get(ReviewRound, review_id) if review_id else None
    if review is None:
        return None
    query = (select(ReviewCandidate.rank, User.display_name, Organisation.name, ReviewCandidate.subject,
                    ReviewCandidate.final_score, ReviewCandidate.status)
             .join(User, User.id == ReviewCandidate.teacher_id)
             .join(Organisation, Organisation.id == ReviewCandidate.school_id)
             .where(ReviewCandidate.review_id == review.id, _within(scope))
             .order_by(ReviewCandidate.rank.is_(None), ReviewCandidate.rank, User.display_name))
    table = Table(_("Rankings of the review: %(title)s", title=call_title(review.cycle, english)),
                  [_("Rank"), _("Full name"), _("School"), _("Subject"), _("Final score"), _("Status")])
    subject_of = memoised(subject_label, english)
    for rank, name, school, subject, score, status in db.session.execute(query):
        table.rows.append([rank if rank is not None else "—", name, school, subject_of(subject),
                           round(score, 2) if score is not None else "—", str(CANDIDATE_STATUS.get(status.value, status.value))])
    return table
