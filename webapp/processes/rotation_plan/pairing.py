"""Pairing (对口帮扶): the county office pairs a famous or backbone teacher with teachers of a weak or
rural school for a period; both sides record their joint activities.

Who sees a pairing: the county office of its county, the administrators of the mentor's school and
of the partner school, the mentor and the paired teachers. Only the mentor and the paired teachers
record activities. Anyone else gets the app's one 404.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ...core.errors import NotFound
from ...extensions import db
from ...forms import FieldError
from ...models import Organisation, TitleHolding, TitleStatus, User, utcnow
from .access import admin_schools, current_school, office_counties
from .due import TITLE_CATEGORIES, county_schools
from .models import Pairing, PairingActivity, PairingMember
from .validation import FieldErrors

ACTIVITY_FORM = "rotation_pairing_activity.schema.json"
MAX_MEMBERS = 10
MAX_YEARS = 3


def _missing() -> NotFound:
    return NotFound(_("This page does not exist, or you may not see it."))


# -- who sees what ------------------------------------------------------------------------------------
def visible_pairings(user: User) -> list[Pairing]:
    """Every pairing the user may see, newest first."""
    counties = [c.id for c in office_counties(user)]
    schools = [s.id for s in admin_schools(user)]
    member_of = select(PairingMember.pairing_id).where(PairingMember.user_id == user.id)
    query = select(Pairing).where(or_(
        Pairing.county_id.in_(counties), Pairing.mentor_school_id.in_(schools),
        Pairing.partner_school_id.in_(schools), Pairing.mentor_id == user.id, Pairing.id.in_(member_of),
    )).options(selectinload(Pairing.members).selectinload(PairingMember.user), selectinload(Pairing.mentor),
               selectinload(Pairing.partner_school), selectinload(Pairing.mentor_school))
    return list(db.session.scalars(query.order_by(Pairing.start_date.desc(), Pairing.id.desc())))


def can_see(user: User, pairing: Pairing) -> bool:
    """The county office, both schools' administrators, the mentor and the paired teachers."""
    if pairing.county_id in {c.id for c in office_counties(user)}:
        return True
    if {pairing.mentor_school_id, pairing.partner_school_id} & {s.id for s in admin_schools(user)}:
        return True
    return is_member(user, pairing)


def is_member(user: User, pairing: Pairing) -> bool:
    """The mentor or one of the paired teachers: the people who record activities."""
    return user.id == pairing.mentor_id or user.id in pairing.member_ids()


def visible_pairing(user: User, pairing_id: int) -> Pairing:
    """A pairing the user may see; 404 otherwise."""
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or not can_see(user, pairing):
        raise _missing()
    return pairing


def office_pairing(user: User, pairing_id: int) -> Pairing:
    """A pairing of a county the user runs; 404 otherwise."""
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or pairing.county_id not in {c.id for c in office_counties(user)}:
        raise _missing()
    return pairing


def member_pairing(user: User, pairing_id: int) -> Pairing:
    """A pairing the user belongs to (mentor or paired teacher); 404 for everyone else."""
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or not is_member(user, pairing):
        raise _missing()
    return pairing


# -- the county office pairs ------------------------------------------------------------------------
def active_titles(user_ids, on: date) -> dict[int, TitleHolding]:
    """user id → an active famous-teacher, academic-leader or backbone title valid on `on`."""
    rows = db.session.scalars(select(TitleHolding).where(
        TitleHolding.user_id.in_(list(user_ids)), TitleHolding.status == TitleStatus.active,
        TitleHolding.active.is_(True), TitleHolding.category.in_(TITLE_CATEGORIES),
        TitleHolding.valid_from <= on, TitleHolding.valid_until >= on).order_by(TitleHolding.id))
    return {row.user_id: row for row in rows}


def mentor_candidates(county: Organisation, on: date) -> list[tuple[User, TitleHolding, Organisation]]:
    """Title holders serving in the county on `on`, with their title and school (who can mentor)."""
    from ...models import Posting, PostingKind

    schools = {s.id: s for s in county_schools(county)}
    postings = db.session.scalars(select(Posting).where(Posting.school_id.in_(schools),
                                                        Posting.kind == PostingKind.appointment)).all()
    serving = {p.user_id: schools[p.school_id] for p in postings if p.covers(on)}
    titles = active_titles(serving, on)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(titles)))}
    return sorted(((people[uid], title, serving[uid]) for uid, title in titles.items()),
                  key=lambda item: item[0].username)


def partner_schools(county: Organisation) -> list[Organisation]:
    """The county's weak or rural schools: those a pairing helps."""
    return [s for s in county_schools(county) if s.is_weak or s.is_rural]


def _ids(raw_values) -> list[int]:
    return [int(v) for v in raw_values if str(v).strip().isdigit()]


def create_pairing(user: User, county: Organisation, form) -> tuple[Pairing | None, FieldErrors]:
    """Pair a title holder with 1–10 teachers of a weak or rural school; every field checked."""
    errors = FieldErrors()
    start = errors.date(form, "start_date", _("Start of the pairing"))
    end = errors.date(form, "end_date", _("End of the pairing"))
    if start and end and end <= start:
        errors.add("end_date", _("The end must be after the start."))
    elif start and end and (end - start).days > MAX_YEARS * 366:
        errors.add("end_date", _("A pairing lasts at most three years."))
    note = errors.text(form, "note", _("Note"), maximum=500)
    on = start or utcnow().date()
    schools = {s.id: s for s in county_schools(county)}
    mentor = db.session.get(User, int(form.get("mentor"))) if str(form.get("mentor") or "").isdigit() else None
    mentor_school = current_school(mentor, on) if mentor is not None else None
    if mentor is None:
        errors.add("mentor", _("Choose a person."))
    elif mentor_school is None or mentor_school.id not in schools:
        errors.add("mentor", _("%(name)s does not serve in this county.", name=mentor.display_name))
    elif mentor.id not in active_titles([mentor.id], on):
        errors.add("mentor", _("%(name)s holds no active famous-teacher, academic-leader or backbone title on the start "
                               "date.", name=mentor.display_name))
    raw_school = str(form.get("partner_school") or "")
    partner = schools.get(int(raw_school)) if raw_school.isdigit() else None
    if partner is None:
        errors.add("partner_school", _("Choose a school of this county."))
    elif not (partner.is_weak or partner.is_rural):
        errors.add("partner_school", _("A pairing helps a weak or rural school; %(school)s is neither.",
                                       school=partner.name))
    elif mentor_school is not None and partner.id == mentor_school.id:
        errors.add("partner_school", _("The partner school must be another school than the mentor's."))
    member_ids = list(dict.fromkeys(_ids(form.getlist("members"))))
    if not member_ids:
        errors.add("members", _("Choose at least one teacher of the partner school."))
    elif len(member_ids) > MAX_MEMBERS:
        errors.add("members", _("At most %(count)s teachers in one pairing.", count=MAX_MEMBERS))
    elif partner is not None and "partner_school" not in errors:
        people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(member_ids)))}
        for uid in member_ids:
            person = people.get(uid)
            school = current_school(person, on) if person is not None else None
            if person is None or school is None or school.id != partner.id:
                errors.add("members", _("Only teachers serving at the partner school can be paired."))
                break
            if mentor is not None and uid == mentor.id:
                errors.add("members", _("The mentor cannot be paired with themselves."))
                break
    if errors:
        return None, errors
    clash = db.session.scalar(select(Pairing).where(
        Pairing.mentor_id == mentor.id, Pairing.partner_school_id == partner.id,
        Pairing.start_date < end, Pairing.end_date > start).limit(1))
    if clash is not None:
        errors.add("start_date", _("%(name)s is already paired with %(school)s from %(start)s to %(end)s.",
                                   name=mentor.display_name, school=partner.name, start=clash.start_date,
                                   end=clash.end_date))
        return None, errors
    pairing = Pairing(county_id=county.id, mentor_id=mentor.id, mentor_school_id=mentor_school.id,
                      partner_school_id=partner.id, start_date=start, end_date=end, note=note or None,
                      created_by_id=user.id, members=[PairingMember(user_id=uid) for uid in member_ids])
    db.session.add(pairing)
    db.session.flush()
    return pairing, errors


# -- both sides record activities -------------------------------------------------------------------
def member_options(pairing: Pairing) -> list[dict]:
    """The pairing's teachers as the activity form offers them (the mentor takes part always)."""
    return [{"value": str(m.user_id), "title": m.user.display_name, "title_en": m.user.display_name}
            for m in pairing.members]


def activity_context(pairing: Pairing) -> dict:
    """What the activity form binds: the participants it may name."""
    return {"member_options": member_options(pairing)}


def check_activity(pairing: Pairing, data: dict) -> list[FieldError]:
    """The rules the form file cannot state: the date inside the pairing and not in the future."""
    errors = []
    raw = data.get("on_date")
    try:
        on = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        on = None
    if on is not None:
        if on < pairing.start_date or on >= pairing.end_date:
            errors.append(FieldError(("on_date",), _("Date"), _(
                "The date must fall within the pairing (%(start)s – %(end)s).", start=pairing.start_date,
                end=pairing.end_date)))
        elif on > utcnow().date():
            errors.append(FieldError(("on_date",), _("Date"), _("An activity is recorded once it has taken place.")))
    return errors


def record_activity(user: User, pairing: Pairing, data: dict, evidence: set[str]) -> PairingActivity:
    """Store a checked activity; the recorder (mentor or paired teacher) always takes part."""
    members = pairing.member_ids()
    participants = [int(v) for v in data.get("participants") or [] if str(v).isdigit() and int(v) in members]
    if user.id in members and user.id not in participants:
        participants.append(user.id)
    activity = PairingActivity(pairing_id=pairing.id, kind=str(data.get("kind")),
                               on_date=date.fromisoformat(data["on_date"]), topic=str(data.get("topic", "")).strip(),
                               participants=sorted(participants), evidence=sorted(evidence), recorded_by_id=user.id)
    db.session.add(activity)
    db.session.flush()
    return activity


def activity_evidence(user: User, pairing_id: int, activity_id: int, evidence_id: str):
    """The evidence row a pairing's activity cites, for those who may see the pairing; None otherwise."""
    from ...models import Evidence

    pairing = visible_pairing(user, pairing_id)
    activity = db.session.get(PairingActivity, activity_id)
    if activity is None or activity.pairing_id != pairing.id or evidence_id not in (activity.evidence or []):
        return None
    return db.session.scalar(select(Evidence).where(Evidence.digest == evidence_id,
                                                    Evidence.uploaded_by_id == activity.recorded_by_id).limit(1))


def participant_names(pairing: Pairing) -> dict[int, list[str]]:
    """activity id → who took part (the mentor first), read in one query."""
    ids = {uid for a in pairing.activities for uid in (a.participants or [])}
    people = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return {a.id: [pairing.mentor.display_name] + [people[uid] for uid in a.participants or []
                                                   if uid in people and uid != pairing.mentor_id]
            for a in pairing.activities}

