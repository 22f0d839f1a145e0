"""The conferral's actions: open it for a finished cohort, apply the rules, confer through the register,
and the public pages' queries (the county's list, verification by certificate number)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ... import register
from ...auth.scope import held_org, orgs_holding, roles_at, scoped
from ...core.errors import Conflict, NotFound
from ...engine.runtime import WorkflowEngine
from ...extensions import db
from ...models import Organisation, OrgKind, TitleHolding, TitleStatus, User
from ...roles import Role
from ..call_instances import start_call_instance
from ..training.models import CohortStatus, TrainingCohort
from ..training.base import today
from ..training.results import passed_trainees
from . import notices
from .models import Conferral, ConferralEntry, ConferralStatus

PROCESS_ID = "conferral"
# Two-digit codes of the certificate number (conferral_rules.dmn names them).
LEVEL_CODES = {"province": "01", "city": "02", "county": "03", "school": "04"}
CATEGORY_CODES = {"famous_teacher": "01", "academic_leader": "02", "backbone": "03", "teaching_expert": "04",
                  "rising_star": "05"}


def office_counties(user: User) -> list[Organisation]:
    """Counties where the user is the office (proposes) or on the leading group (approves)."""
    return orgs_holding(user, OrgKind.county, Role.county_office, Role.county_leader)


def is_office(user: User, county_id: int) -> bool:
    """The user is the county's office (proposes, keeps the register)."""
    return Role.county_office in roles_at(user, county_id)


def office_of(user: User, county_id: int) -> Organisation:
    """The county if the user is its office; anyone else 404."""
    return held_org(user, county_id, Role.county_office)


def managed(user: User, conferral_id: int) -> Conferral:
    """A conferral of the user's county office or leading group; anyone else 404."""
    counties = {org.id for org in office_counties(user)}
    return scoped(Conferral, conferral_id, lambda row: row.office_id in counties, _("No such conferral."))


def cohorts_ready(office: Organisation) -> list[TrainingCohort]:
    """Finished cohorts of the county with no conferral yet."""
    return list(db.session.scalars(select(TrainingCohort).where(
        TrainingCohort.office_id == office.id, TrainingCohort.status == CohortStatus.done,
        TrainingCohort.id.not_in(select(Conferral.cohort_id))).order_by(TrainingCohort.id)))


def conferrals_of(county_ids: list[int]) -> list[Conferral]:
    return list(db.session.scalars(select(Conferral).where(Conferral.office_id.in_(county_ids))
                                   .order_by(Conferral.id.desc())))


def open_conferral(engine: WorkflowEngine, user: User, office: Organisation, cohort_id: int) -> Conferral:
    """Start the conferral of a finished cohort: its passed trainees are the proposed list."""
    cohort = next((c for c in cohorts_ready(office) if c.id == cohort_id), None)
    if cohort is None:
        raise NotFound(_("No such training."))
    passed = passed_trainees(cohort.id)
    if not passed:
        raise Conflict(_("Nobody passed this training: there is nothing to confer."))
    conferral = Conferral(cohort_id=cohort.id, office_id=office.id, level=cohort.level, category=cohort.category,
                          opened_by_id=user.id)
    conferral.entries = [ConferralEntry(trainee_id=t.id, user_id=t.teacher_id) for t in passed]
    db.session.add(conferral)
    db.session.flush()
    instance = start_call_instance(engine, PROCESS_ID, office, user, cohort.cycle, "授予称号", "conferral",
                                   {"conferral_id": conferral.id, "level": cohort.level, "category": cohort.category})
    conferral.instance_id = instance.id
    db.session.flush()
    return conferral


def apply_rules(conferral: Conferral, decided: dict) -> None:
    """Keep the term, allowance and number format (refusing a format that could repeat numbers)."""
    fmt = str(decided["certificate_format"])
    register.check_certificate_format(fmt)
    term = int(decided["term_years"])
    if not 1 <= term <= 10:
        raise ValueError(f"conferral_rules: term_years {term} out of range")
    conferral.rules = {"term_years": term, "allowance_monthly": max(0, int(decided["allowance_monthly"])),
                       "certificate_format": fmt, "hr_approval": bool(decided.get("hr_approval", False))}
    conferral.status = ConferralStatus.proposing


def returned(conferral: Conferral, comment: str | None) -> None:
    conferral.status = ConferralStatus.proposing
    conferral.return_comment = comment


def confer_all(conferral: Conferral, on: date | None = None, instance_id: int | None = None) -> list[TitleHolding]:
    """Each entry: the next certificate number of the county's sequence, the title in the register.

    Refuses (and nothing is entered) if anyone on the list did not pass; numbers come from the
    register's row-locked sequence, so two conferrals at once never share or skip one.
    """
    from ..training.models import TraineeStatus

    on = on or today()
    office = conferral.office
    rules = conferral.rules or {}
    titles = []
    for entry in conferral.entries:
        if entry.trainee.status is not TraineeStatus.passed:
            raise register.RegisterError(_("%(name)s did not pass the training: no certificate.",
                                           name=entry.user.display_name))
        seq = register.next_certificate_sequence(office.id, on.year, conferral.level, conferral.category)
        number = register.format_certificate_number(
            rules["certificate_format"], county=office.code, year=on.year,
            level=LEVEL_CODES.get(conferral.level, "99"), category=CATEGORY_CODES.get(conferral.category, "99"), seq=seq)
        allowance = rules.get("allowance_monthly") or None
        title = register.confer(
            user_id=entry.user_id, level=conferral.level, category=conferral.category, conferred_on=on,
            term_years=int(rules["term_years"]), subject=entry.trainee.subject, org_id=entry.trainee.school_id,
            county_id=office.id, certificate_no=number, allowance_monthly=allowance, instance_id=instance_id)
        db.session.flush()
        entry.title_id = title.id
        titles.append(title)
        notices.conferred(title, instance_id)
    conferral.status = ConferralStatus.conferred
    conferral.conferred_on = on
    db.session.flush()
    return titles


# -- public pages ----------------------------------------------------------------------------------

def public_county(county_id: int) -> Organisation:
    """A county, for its public list (anything else 404)."""
    return scoped(Organisation, county_id, lambda org: org.kind is OrgKind.county, _("No such county."))


def printable(user: User, title_id: int) -> TitleHolding:
    """A conferred title whose certificate the user may print (its holder or the county); else 404."""
    return scoped(TitleHolding, title_id, lambda title: bool(title.certificate_no) and may_print(user, title),
                  _("No such certificate."))


def published_lists(county: Organisation) -> list[Conferral]:
    """The county's conferrals, newest first (only conferred ones are public)."""
    return list(db.session.scalars(select(Conferral).where(
        Conferral.office_id == county.id, Conferral.status == ConferralStatus.conferred)
        .order_by(Conferral.conferred_on.desc(), Conferral.id.desc())))


def verify(number: str) -> TitleHolding:
    """The title with this certificate number, or 404 (an unknown or forged number)."""
    number = (number or "").strip()
    title = None
    if 0 < len(number) <= 64:
        title = db.session.scalar(select(TitleHolding).where(TitleHolding.certificate_no == number))
    if title is None:
        raise NotFound(_("No certificate with this number exists. Check the number; a certificate that cannot be "
                         "found here is not valid."))
    return title


def display_status(title: TitleHolding, on: date | None = None) -> str:
    """valid / expired / revoked / lapsed as the public reads it (an active title past its term is expired)."""
    on = on or today()
    if title.status == TitleStatus.active and title.valid_until < on:
        return TitleStatus.expired
    return title.status


def may_print(user: User, title: TitleHolding) -> bool:
    """The holder, or the office / leading group of the title's county."""
    if title.user_id == user.id:
        return True
    return title.county_id in {org.id for org in office_counties(user)}
