"""Pages of the conferral: the office opens it; the public list and verification (no login); the
certificate PDF (holder or county office); the county office's title register."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...core.errors import Conflict, NotFound
from ...extensions import db
from ...models import Organisation, TitleHolding, TitleStatus
from ...transaction import committing
from . import certificate, holders_import, holders_jobs, operations

bp = Blueprint("conferral", __name__, url_prefix="/conferral", template_folder="templates")


def _engine():
    return current_app.extensions["workflow_engine"]


@bp.get("/")
@login_required
def index():
    """The county office: finished trainings to confer, and the conferrals of its county."""
    counties = operations.office_counties(current_user)
    if not counties:
        raise NotFound(_("No such page."))
    offices = [(org, operations.cohorts_ready(org) if operations.is_office(current_user, org.id) else [])
               for org in counties]
    return render_template("conferral/index.html", offices=offices,
                           is_office=lambda county_id: operations.is_office(current_user, county_id),
                           conferrals=operations.conferrals_of([org.id for org in counties]))


@bp.post("/counties/<int:county_id>/cohorts/<int:cohort_id>")
@login_required
@committing
def open_conferral(county_id: int, cohort_id: int):
    office = operations.office_of(current_user, county_id)
    conferral = operations.open_conferral(_engine(), current_user, office, cohort_id)
    flash(_("The conferral is open: propose the list from your inbox."), "success")
    return redirect(url_for("conferral.conferral_page", conferral_id=conferral.id))


@bp.get("/<int:conferral_id>")
@login_required
def conferral_page(conferral_id: int):
    conferral = operations.managed(current_user, conferral_id)
    return render_template("conferral/conferral.html", conferral=conferral)


@bp.get("/public/<int:county_id>")
def public_list(county_id: int):
    """The county's conferred lists, public: name, school, title, certificate number, validity."""
    county = operations.public_county(county_id)
    return render_template("conferral/public.html", county=county, conferrals=operations.published_lists(county))


@bp.get("/verify/<path:number>")
def verify(number: str):
    """What the QR code opens: holder name, title, number, validity and status, nothing else."""
    title = operations.verify(number)
    return render_template("conferral/verify.html", title=title, status=operations.display_status(title))


@bp.get("/certificates/<int:title_id>.pdf")
@login_required
def certificate_pdf(title_id: int):
    """The printable certificate of a conferred title: its holder or the county office."""
    title = operations.printable(current_user, title_id)
    county_org = db.session.get(Organisation, title.county_id) if title.county_id else None
    county = county_org.name if county_org is not None else ""
    url = url_for("conferral.verify", number=title.certificate_no, _external=True)
    pdf = certificate.render(title, title.holder.display_name, county, url)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="certificate-{title.id}.pdf"'})


@bp.get("/register/<int:county_id>")
@login_required
def title_register(county_id: int):
    """The county's titles, filtered by status, each with its history."""
    county = operations.office_of(current_user, county_id)
    status = request.args.get("status", "")
    query = select(TitleHolding).where(TitleHolding.county_id == county.id)
    if status in TitleStatus.ALL:
        query = query.where(TitleHolding.status == status)
    titles = db.session.scalars(query.order_by(TitleHolding.id.desc()).limit(500)).all()
    return render_template("conferral/register.html", county=county, titles=titles, status=status,
                           statuses=TitleStatus.ALL)


@bp.get("/register/<int:county_id>/import/template.xlsx")
@login_required
def holders_template(county_id: int):
    operations.office_of(current_user, county_id)
    return Response(holders_import.template(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="title-holders.xlsx"'})


@bp.route("/register/<int:county_id>/import", methods=["GET", "POST"])
@login_required
@committing
def import_holders(county_id: int):
    """Existing title holders from Excel: a file that is not the template is refused at once; otherwise
    every row is checked in the background (a progress bar), then a preview, then applied all or nothing."""
    county = operations.office_of(current_user, county_id)
    if request.method == "GET":
        return render_template("conferral/import.html", county=county, problems=[], jobs=holders_jobs.recent(county))
    upload = request.files.get("sheet")
    data = upload.stream.read(20 * 1024 * 1024 + 1) if upload and upload.filename else b""
    problems = ([_("Choose the filled template (.xlsx).")] if not data
                else [_("The file is larger than 20 MB.")] if len(data) > 20 * 1024 * 1024
                else holders_import.layout_problems(data))
    if problems:
        return render_template("conferral/import.html", county=county, problems=problems,
                               jobs=holders_jobs.recent(county)), 422
    job = holders_jobs.create(county, current_user.id, upload.filename, data)
    db.session.commit()
    holders_jobs.start(job.id, "check")
    return redirect(url_for("conferral.holders_job", county_id=county.id, job_id=job.id))


def _holders_job(county_id: int, job_id: int):
    county = operations.office_of(current_user, county_id)
    job = holders_jobs.job_of(county, job_id)
    if job is None:
        raise NotFound(_("No such import."))
    return county, job


@bp.get("/register/<int:county_id>/import/<int:job_id>")
@login_required
def holders_job(county_id: int, job_id: int):
    """The job's progress (the page refreshes itself and may be left), then its preview or problems."""
    county, job = _holders_job(county_id, job_id)
    done, total = holders_jobs.live_progress(job) if job.running else (job.done, job.total)
    return render_template("conferral/import_job.html", county=county, job=job, done=done, total=total,
                           percent=holders_jobs.percent(done, total))


@bp.post("/register/<int:county_id>/import/<int:job_id>/apply")
@login_required
@committing
def holders_job_apply(county_id: int, job_id: int):
    """Apply a checked sheet, all or nothing, in the background."""
    county, job = _holders_job(county_id, job_id)
    if job.status != "checked":
        raise Conflict(_("This import cannot be applied now (it is %(status)s).", status=job.status))
    job.status, job.done = "applying", 0
    job.total = (job.summary or {}).get("rows") or 0
    db.session.commit()
    holders_jobs.start(job.id, "apply")
    return redirect(url_for("conferral.holders_job", county_id=county.id, job_id=job.id))
