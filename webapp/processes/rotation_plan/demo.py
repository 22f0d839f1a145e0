"""The demo's plan: opened, quotas set, teachers volunteer, schools nominate and submit; the office matches next."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ...engine.runtime import WorkflowEngine
from ...extensions import db
from ...models import HumanTask, Organisation, TaskState, User
from ...workflow.operations import complete_task
from . import nominations
from .models import RotationPlan
from .plans import open_plan, set_quotas

# (school code suffix, form, sends, receives)
QUOTAS = [
    ("01", "support", 2, 0), ("02", "support", 1, 0), ("04", "support", 1, 0),
    ("03", "support", 0, 1), ("06", "support", 0, 2), ("07", "support", 0, 1), ("08", "support", 0, 1),
    ("01", "exchange", 1, 1), ("03", "exchange", 1, 1),
    ("05", "secondment", 1, 0), ("06", "secondment", 0, 1), ("07", "secondment", 0, 1),
    ("01", "group", 1, 1), ("02", "group", 0, 1), ("04", "group", 1, 1),
    ("03", "district", 0, 0), ("08", "district", 1, 1),
]
# (username, school suffix, form, preferred school suffixes)
NOMINATIONS = [
    ("t001", "01", "support", ("06",)), ("s1admin", "01", "group", ("04",)), ("t007", "01", "exchange", ()),
    ("t002", "02", "support", ()), ("r0401", "04", "support", ("07", "06")), ("r0403", "04", "group", ("01",)),
    ("r0501", "05", "secondment", ()), ("t003", "03", "exchange", ()),
]


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def open_demo_plan(engine: WorkflowEngine, county: Organisation, schools: dict[str, Organisation], today: date) -> RotationPlan:
    """A plan starting in two months, its nominations submitted: ready for the county office to match."""
    office = _user("county")
    start = today + timedelta(days=60)
    plan = open_plan(engine, office, county, {"year": start.year, "start_date": start,
                                              "end_date": start.replace(year=start.year + 1),
                                              "nomination_deadline": today + timedelta(days=30)})
    form = MultiDict({f"{side}-{schools[s].id}-{f}": str(n) for s, f, sends, receives in QUOTAS
                      for side, n in (("sends", sends), ("receives", receives))})
    errors = set_quotas(plan, form)
    assert not errors, errors
    _complete(engine, plan, "set_quotas", office, {"quotas_final": True})
    volunteer = _user("t010")
    errors = nominations.volunteer(volunteer, plan, MultiDict({"form": "support", "pref1": str(schools["07"].id)}))
    assert not errors, errors
    for username, suffix, form_key, prefs in NOMINATIONS:
        admin = _user(f"s{int(suffix)}admin")
        data = MultiDict({"person": str(_user(username).id), "form": form_key,
                          **{f"pref{i}": str(schools[p].id) for i, p in enumerate(prefs, start=1)}})
        errors = nominations.nominate(admin, plan, schools[suffix], data)
        assert not errors, (username, errors)
    for task in _open(plan, "nominate"):
        admin = _user(f"s{int(db.session.get(Organisation, task.org_id).code[-2:])}admin")
        complete_task(engine, admin, task, {"nominations_final": True}, ("nominations_final", "nomination_note"))
    return plan


def _open(plan: RotationPlan, step: str) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).filter_by(instance_id=plan.instance_id, task_name=step,
                                                               state=TaskState.open).order_by(HumanTask.id)))


def _complete(engine: WorkflowEngine, plan: RotationPlan, step: str, user: User, data: dict) -> None:
    for task in _open(plan, step):
        complete_task(engine, user, task, data, tuple(data))


def open_demo_pairing(county: Organisation, schools: dict[str, Organisation], today: date):
    """t004 (county backbone teacher, school 1) paired with t003 and t006 of the weak rural school 3,
    with a demonstration class and a lesson review already recorded by each side."""
    from .models import Pairing, PairingActivity, PairingMember

    mentor, members = _user("t004"), [_user("t003"), _user("t006")]
    pairing = Pairing(county_id=county.id, mentor_id=mentor.id, mentor_school_id=schools["01"].id,
                      partner_school_id=schools["03"].id, start_date=today - timedelta(days=60),
                      end_date=today + timedelta(days=300), note="数学、语文学科对口帮扶", created_by_id=_user("county").id,
                      members=[PairingMember(user_id=m.id) for m in members])
    db.session.add(pairing)
    db.session.flush()
    db.session.add_all([
        PairingActivity(pairing_id=pairing.id, kind="demonstration_class", on_date=today - timedelta(days=21),
                        topic="示范课：《一元一次方程的应用》", participants=[m.id for m in members], evidence=[],
                        recorded_by_id=mentor.id),
        PairingActivity(pairing_id=pairing.id, kind="lesson_review", on_date=today - timedelta(days=7),
                        topic="听课评课：七年级《有理数的乘法》", participants=[members[0].id], evidence=[],
                        recorded_by_id=members[0].id),
    ])
    db.session.flush()
    return pairing
