"""Pages of pairing (对口帮扶): the list for the county office, both schools and both sides; pairing
a title holder with a weak or rural school; one pairing with its activities; recording an activity."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...evidence.operations import DIGEST_PREFIX, evidence_path
from ...extensions import db
from ...models import utcnow
from ...transaction import committing
from ...workflow.task_forms import read_form
from . import access, pairing
from .blueprint import bp
from .validation import FieldErrors


@bp.get("/pairings")
@login_required
def pairings():
    """Pairings the user may see; the county office also pairs from here."""
    return _pairings(FieldErrors(), {})


def _pairings(errors: FieldErrors, values, status: int = 200):
    counties = access.office_counties(current_user)
    county = counties[0] if counties else None
    today = utcnow().date()
    rows = pairing.visible_pairings(current_user)
    return render_template(
        "rotation_plan/pairings.html", pairings=rows, county=county, errors=errors, values=values,
        candidates=pairing.mentor_candidates(county, today) if county else [],
        partners=pairing.partner_schools(county) if county else [],
        staff=_partner_staff(county, today) if county else {}), status


def _partner_staff(county, today) -> dict:
    """Partner school id → its teachers, for the county office's pairing form."""
    from .nominations import school_staff

    return {s.id: school_staff(s, today) for s in pairing.partner_schools(county)}


@bp.post("/pairings")
@login_required
@committing
def create_pairing():
    """The county office pairs a title holder with teachers of a weak or rural school."""
    county = access.office_county(current_user, request.form.get("county_id", type=int))
    created, errors = pairing.create_pairing(current_user, county, request.form)
    if errors:
        db.session.rollback()
        return _pairings(errors, request.form, 422)
    flash(_("Pairing recorded. Both sides can now record their joint activities."), "success")
    return redirect(url_for("rotation_plan.pairing_page", pairing_id=created.id))


@bp.get("/pairings/<int:pairing_id>")
@login_required
def pairing_page(pairing_id: int):
    """One pairing: its people, period and activities; members record activities here."""
    row = pairing.visible_pairing(current_user, pairing_id)
    return _pairing(row, {}, [])


def _pairing(row, data, errors, status: int = 200):
    form = None
    if pairing.is_member(current_user, row):
        library = current_app.extensions["form_library"]
        form = library.render(pairing.ACTIVITY_FORM, None, data, errors, pairing.activity_context(row))
    return render_template("rotation_plan/pairing.html", pairing=row, activity_form=form, errors=errors,
                           took_part=pairing.participant_names(row)), status


@bp.post("/pairings/<int:pairing_id>/activities")
@login_required
@committing
def record_activity(pairing_id: int):
    """The mentor or a paired teacher records a joint activity (date, topic, who took part, files)."""
    row = pairing.member_pairing(current_user, pairing_id)  # out of scope before any input is read
    data, errors, cited = read_form(pairing.ACTIVITY_FORM, current_user, None, previous={},
                                    context=pairing.activity_context(row))
    errors = errors + pairing.check_activity(row, data)
    if errors:
        db.session.rollback()
        return _pairing(pairing.member_pairing(current_user, pairing_id), data, errors, 422)
    pairing.record_activity(current_user, row, data, cited)
    flash(_("Activity recorded."), "success")
    return redirect(url_for("rotation_plan.pairing_page", pairing_id=pairing_id))


@bp.get("/pairings/<int:pairing_id>/activities/<int:activity_id>/evidence/<evidence_id>")
@login_required
def activity_file(pairing_id: int, activity_id: int, evidence_id: str):
    """A file an activity cites, for whoever may see the pairing (404 for anyone else)."""
    evidence = pairing.activity_evidence(current_user, pairing_id, activity_id, evidence_id)
    if evidence is None:
        abort(404)
    path = evidence_path(evidence.digest.removeprefix(DIGEST_PREFIX))
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=evidence.content_type, as_attachment=True, download_name=evidence.original_name)
