"""Opening a plan, quotas and nominations over HTTP: every bad value refused next to its field, nothing changed."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Organisation, User
from webapp.processes.rotation_plan.models import Nomination, NominationStatus, PlanStatus, RotationPlan, Volunteer

from .helpers import submit
from .rotation_support import build, empty_database, keep_database, sessions, task_ids

clean_database = keep_database


@pytest.fixture(scope="module")
def ids(app):
    """The demo with this year's plan (t001 nominated there); a second plan is opened by the tests."""
    build(app, with_plan=True)
    with app.app_context():
        first = db.session.scalar(select(RotationPlan))
        schools = {o.code[-2:]: o.id for o in db.session.scalars(select(Organisation).where(Organisation.code.like("530101-%")))}
        users = {u.username: u.id for u in db.session.scalars(select(User))}
        values = {"first": first.id, "start": first.start_date, "end": first.end_date, "year": first.year,
                  "schools": schools, "users": users}
    yield values
    empty_database(app)


@pytest.fixture(scope="module")
def login(app, ids):
    return sessions(app)


def _count(app, model, **where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_opening_a_plan_refuses_bad_dates_next_to_the_field(app, ids, login):
    county = login("county")
    today = date.today()
    bad = county.post("/rotation/plans", data={"year": ids["year"] + 1, "start_date": (today + timedelta(days=90)).isoformat(),
                                               "end_date": (today + timedelta(days=30)).isoformat(),
                                               "nomination_deadline": (today + timedelta(days=10)).isoformat()})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'id="error-end_date"' in page
    assert "结束日期必须晚于开始日期" in page
    assert _count(app, RotationPlan) == 1
    # Overlapping the first plan on purpose, so a nominee of both is refused below.
    good = county.post("/rotation/plans", data={"year": ids["year"] + 1, "start_date": (ids["start"] + timedelta(days=30)).isoformat(),
                                                "end_date": (ids["end"] + timedelta(days=30)).isoformat(),
                                                "nomination_deadline": (today + timedelta(days=10)).isoformat()})
    assert good.status_code == 302, good.get_data(as_text=True)
    with app.app_context():
        plan = db.session.scalar(select(RotationPlan).where(RotationPlan.id != ids["first"]))
        ids["plan"] = plan.id
        assert plan.status is PlanStatus.quotas


def test_quotas_are_saved_whole_or_not_at_all(app, ids, login):
    county, s = login("county"), ids["schools"]
    data = {f"sends-{s['01']}-support": "1", f"receives-{s['06']}-support": "2", f"sends-{s['02']}-group": "-1"}
    response = county.post(f"/rotation/plans/{ids['plan']}/quotas", data=data)
    assert response.status_code == 422 and f'id="error-sends-{s["02"]}-group"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RotationPlan, ids["plan"]).quotas == []
    data[f"sends-{s['02']}-group"] = "0"
    assert county.post(f"/rotation/plans/{ids['plan']}/quotas", data=data).status_code == 302
    [task] = task_ids(county, "设定交流名额")
    assert submit(county, task, {"quotas_final": "true"}).status_code == 302
    with app.app_context():
        assert db.session.get(RotationPlan, ids["plan"]).status is PlanStatus.nominating
    assert task_ids(login("s1admin"), "学校提名交流人员")
    assert not task_ids(login("s2admin"), "学校提名交流人员")  # no sending quota, no step


def _nominate(login, ids, username, lang="zh_Hans_CN", **fields):
    data = {"person": ids["users"].get(username, username), "form": "support", **fields}
    return login("s1admin").post(f"/rotation/plans/{ids['plan']}/schools/{ids['schools']['01']}/nominate?lang={lang}",
                                 data=data)


@pytest.mark.parametrize("username,fields,field,message", [
    ("t002", {}, "person", "serves at another school"),
    ("t004", {"form": "teleport"}, "form", "Choose a form of exchange"),
    ("t004", {"pref1": "SCHOOL01"}, "pref1", "another school than the sending one"),
    ("t001", {}, "person", "overlaps this plan"),
])
def test_bad_nominations_are_refused_next_to_the_field(app, ids, login, username, fields, field, message):
    fields = {k: (ids["schools"]["01"] if v == "SCHOOL01" else v) for k, v in fields.items()}
    response = _nominate(login, ids, username, lang="en", **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="error-{field}"' in page and message in page, page[-3000:]
    assert _count(app, Nomination, plan_id=ids["plan"]) == 0


def test_a_nominee_from_another_county_is_refused(app, ids, login):
    from webapp.demo import add_second_county
    from webapp.models import Position, Posting

    with app.app_context():
        county = add_second_county()
        outsider = db.session.scalar(select(User).filter_by(username="q001"))
        school = db.session.scalar(select(Organisation).filter_by(parent_id=county.id))
        db.session.add(Posting(user_id=outsider.id, school_id=school.id, position=Position.teacher, start_date=date(2015, 9, 1)))
        db.session.commit()
        ids["users"]["x001"] = outsider.id
    response = _nominate(login, ids, "x001", lang="en")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="error-person"' in page and "does not serve in this county" in page
    assert _count(app, Nomination, plan_id=ids["plan"]) == 0


def test_the_quota_holds_and_an_exemption_needs_a_reason(app, ids, login):
    assert _nominate(login, ids, "t004").status_code == 302
    over = _nominate(login, ids, "t007", lang="en")
    assert over.status_code == 422 and "quota in this form (1) is used up" in over.get_data(as_text=True)
    url = f"/rotation/plans/{ids['plan']}/schools/{ids['schools']['01']}/exempt"
    admin = login("s1admin")
    no_reason = admin.post(url, data={"person": ids["users"]["s1admin"], "reason": ""})
    assert no_reason.status_code == 422 and 'id="error-reason"' in no_reason.get_data(as_text=True)
    with app.app_context():
        from webapp.models import Posting
        from webapp.processes.rotation_plan.models import DueEntry
        due = set(db.session.scalars(select(DueEntry.user_id).filter_by(plan_id=ids["plan"])))
        staff = db.session.scalars(select(Posting.user_id).filter_by(school_id=ids["schools"]["01"], end_date=None)).all()
        calm = next(uid for uid in sorted(staff) if uid not in due)
    not_due = admin.post(url + "?lang=en", data={"person": calm, "reason": "本学年承担毕业班教学任务。"})
    assert not_due.status_code == 422 and "Only people on the due list" in not_due.get_data(as_text=True)
    assert admin.post(url, data={"person": ids["users"]["s1admin"], "reason": "学校正在迁建新校区，校长暂缓交流。"}).status_code == 302
    with app.app_context():
        answers = {n.user.username: n for n in db.session.scalars(select(Nomination).filter_by(plan_id=ids["plan"]))}
        assert answers["t004"].status is NominationStatus.nominated and answers["t004"].source == "due"
        assert answers["s1admin"].status is NominationStatus.exempted
        assert answers["s1admin"].exemption_reason == "学校正在迁建新校区，校长暂缓交流。"


def test_a_teacher_volunteers_with_choices(app, ids, login):
    teacher = login("t013")
    bad = teacher.post(f"/rotation/plans/{ids['plan']}/volunteer?lang=en",
                       data={"form": "support", "pref1": ids["schools"]["01"]})
    assert bad.status_code == 422 and "another school than the sending one" in bad.get_data(as_text=True)
    ok = teacher.post(f"/rotation/plans/{ids['plan']}/volunteer", data={"form": "support", "pref1": ids["schools"]["07"]})
    assert ok.status_code == 302
    assert _count(app, Volunteer, plan_id=ids["plan"]) == 1
    page = login("s1admin").get(f"/rotation/plans/{ids['plan']}/schools/{ids['schools']['01']}").get_data(as_text=True)
    volunteers = page.split('id="school-volunteers"', 1)[1].split("</section>", 1)[0]
    with app.app_context():
        assert db.session.get(User, ids["users"]["t013"]).display_name in volunteers
