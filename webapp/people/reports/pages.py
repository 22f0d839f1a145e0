"""Report pages: one page per report, scoped by `org`, with .xlsx export (`?format=xlsx`) and a print button."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...core.errors import NotFound
from ...i18n import is_english
from ...models import Organisation, OrgKind
from ...titles import CATEGORIES, LEVELS
from ..blueprint import bp
from . import process_queries, queries
from .access import report_roots, report_scope
from .charts import grouped_bars, share_bar
from .export import workbook_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows on screen per page; the print view (`?print=1`) and the .xlsx export have every row.
PAGE_ROWS = 200
REPORTS = ("holders", "expiring", "applications", "quota", "rankings", "annual", "rotations", "due", "trainees",
           "conferred", "counties")


def _scope_choices(scope: Organisation) -> list[Organisation]:
    from sqlalchemy import select

    from ...extensions import db

    roots = report_roots(current_user)
    below = list(db.session.scalars(select(Organisation).where(Organisation.parent_id == scope.id)
                                    .order_by(Organisation.code).limit(500)))
    return roots + [org for org in below if org.id not in {r.id for r in roots}]


def _respond(table: queries.Table | None, scope: Organisation, report: str, **context):
    if request.args.get("format") == "xlsx":
        if table is None:
            raise NotFound("")
        name = quote(f"{table.title}.xlsx")
        return Response(workbook_bytes(table, scope.name), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})
    return render_template("people/report.html", table=table, scope=scope, report=report, reports=REPORTS,
                           choices=_scope_choices(scope), args=request.args, view=_rows_shown(table), **context)


def _rows_shown(table: queries.Table | None) -> dict:
    """The rows on screen: one page of `PAGE_ROWS` (`?page=`), or every row in the print view (`?print=1`);
    each row with the organisation its first cell drills down to. The totals are always over every row."""
    rows = table.rows if table else []
    links = (table.links if table else []) or [None] * len(rows)
    printing = request.args.get("print") == "1"
    pages = max(1, -(-len(rows) // PAGE_ROWS))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    start, stop = (0, len(rows)) if printing or pages == 1 else ((page - 1) * PAGE_ROWS, page * PAGE_ROWS)
    keep = {key: values for key, values in request.args.lists() if key not in ("page", "print", "format")}
    return {"rows": list(zip(rows[start:stop], links[start:stop])), "first": start + 1, "last": min(stop, len(rows)),
            "count": len(rows), "page": page, "pages": pages, "printing": printing, "keep": keep}


@bp.get("/reports")
@login_required
def reports():
    """Title holders by organisation, level, category, subject or status, with charts."""
    scope = report_scope(current_user, request.args.get("org"))
    by = request.args.get("by", "org")
    if by not in queries.GROUPINGS:
        by = "org"
    english = is_english()
    table, figures = queries.holders(scope, by, english)
    levels, categories = list(LEVELS), list(CATEGORIES)
    values = {(g, s): figures["matrix"].get((level, category), 0)
              for g, level in enumerate(levels) for s, category in enumerate(categories)}
    charts = [
        grouped_bars(_("Valid titles by level and category"), [str(LEVELS[l]) for l in levels],
                     [str(CATEGORIES[c]) for c in categories], values),
        share_bar(_("Valid titles at urban and rural schools"),
                  [(_("urban"), figures["rural"].get("urban", 0)), (_("rural"), figures["rural"].get("rural", 0))]),
    ]
    return _respond(table, scope, "holders", charts=charts, by=by, groupings=queries.GROUPINGS)


@bp.get("/reports/expiring")
@login_required
def report_expiring():
    """Titles expiring in the next 6 or 12 months."""
    scope = report_scope(current_user, request.args.get("org"))
    months = 12 if request.args.get("months") == "12" else 6
    return _respond(queries.expiring(scope, months, is_english()), scope, "expiring", months=months)


@bp.get("/reports/applications")
@login_required
def report_applications():
    """Applications per school and stage."""
    scope = report_scope(current_user, request.args.get("org"))
    year = request.args.get("year", type=int)
    return _respond(queries.applications(scope, year if year and 2000 <= year <= 2100 else None), scope,
                    "applications")


@bp.get("/reports/quota")
@login_required
def report_quota():
    """Quota use per call and the funnel from applications to conferral."""
    scope = report_scope(current_user, request.args.get("org"))
    table, funnel = queries.quota_use(scope, is_english())
    stages = [_("Applications"), _("Recommended"), _("Selected"), _("Conferred")]
    values = {(g, s): counts[s] for g, (_name, counts) in enumerate(funnel[:6]) for s in range(4)}
    charts = [grouped_bars(_("From applications to conferral, per call"), [name for name, _c in funnel[:6]], stages,
                           values)] if funnel else []
    return _respond(table, scope, "quota", charts=charts)


@bp.get("/reports/rankings")
@login_required
def report_rankings():
    """The ranking of one county review."""
    scope = report_scope(current_user, request.args.get("org"))
    reviews = queries.review_choices(scope)
    review_id = request.args.get("review", type=int)
    if review_id is not None and review_id not in {review.id for review in reviews}:
        raise NotFound("")
    chosen = review_id or (reviews[0].id if reviews else None)
    return _respond(queries.rankings(scope, chosen, is_english()), scope, "rankings", reviews=reviews, chosen=chosen)


@bp.get("/reports/annual")
@login_required
def report_annual():
    """Annual review outcomes of one school year, per school."""
    scope = report_scope(current_user, request.args.get("org"))
    years = process_queries.annual_years(scope)
    year = request.args.get("year", type=int)
    if year is not None and year not in years:
        raise NotFound("")
    chosen = year if year is not None else (years[0] if years else None)
    return _respond(process_queries.annual_outcomes(scope, chosen), scope, "annual", years=years, chosen=chosen)


def _plan(scope: Organisation):
    plans = process_queries.plan_choices(scope)
    plan_id = request.args.get("plan", type=int)
    if plan_id is not None and plan_id not in {plan.id for plan in plans}:
        raise NotFound("")
    chosen = next((plan for plan in plans if plan.id == plan_id), None) if plan_id else (plans[0] if plans else None)
    return plans, chosen


@bp.get("/reports/rotations")
@login_required
def report_rotations():
    """A rotation plan per school and form: due, nominated, exempted, placed."""
    scope = report_scope(current_user, request.args.get("org"))
    plans, plan = _plan(scope)
    return _respond(process_queries.rotations(scope, plan), scope, "rotations", plans=plans,
                    chosen=plan.id if plan else None, plan_label=process_queries.plan_label)


@bp.get("/reports/rotation-due")
@login_required
def report_due():
    """A rotation plan's due list."""
    scope = report_scope(current_user, request.args.get("org"))
    plans, plan = _plan(scope)
    return _respond(process_queries.due_list(scope, plan, is_english()), scope, "due", plans=plans,
                    chosen=plan.id if plan else None, plan_label=process_queries.plan_label)


@bp.get("/reports/trainees")
@login_required
def report_trainees():
    """Trainees per cohort and school, by status."""
    scope = report_scope(current_user, request.args.get("org"))
    return _respond(process_queries.trainees(scope, is_english()), scope, "trainees")


@bp.get("/reports/conferred")
@login_required
def report_conferred():
    """Titles conferred, with certificate numbers and their register status."""
    scope = report_scope(current_user, request.args.get("org"))
    return _respond(process_queries.conferred(scope, is_english()), scope, "conferred")


@bp.get("/reports/counties")
@login_required
def report_counties():
    """Title holders of several counties in one table, grouped by county (a city's or province's office)."""
    scope = report_scope(current_user, request.args.get("org"))
    if scope.kind in (OrgKind.school, OrgKind.county):
        raise NotFound("")
    counties = process_queries.county_choices(scope)
    asked = request.args.getlist("county")
    by_id = {str(county.id): county for county in counties}
    if any(key not in by_id for key in asked):
        raise NotFound("")
    chosen = [county for county in counties if str(county.id) in asked] if asked else counties
    return _respond(process_queries.counties_holders(chosen), scope, "counties", counties=counties,
                    chosen_counties={county.id for county in chosen})
