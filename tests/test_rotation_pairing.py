"""Pairing (对口帮扶) over HTTP on one shared set-up (module scope): the county office pairs a backbone
teacher with teachers of a rural school (bad input refused next to its field, nothing changed); both
sides record joint activities with files; who sees and records what; what the annual review reads."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Organisation, User
from webapp.processes.rotation_plan.models import Pairing, PairingActivity

from .helpers import PDF
from .rotation_support import empty_database, keep_database, sessions

clean_database = keep_database


@pytest.fixture(scope="module")
def ids(app):
    """The demo with its rotation data (t004 holds a county backbone title), no plan."""
    from webapp.demo import add_second_county, build_demo
    from webapp.demo_rotation import build_rotation_demo

    with app.test_request_context():
        logins = build_demo()
        build_rotation_demo(logins, with_plan=False, with_pairing=False)
        add_second_county()
        db.session.commit()
        schools = {o.code: o.id for o in db.session.scalars(select(Organisation).where(Organisation.code.like("53010%-%")))}
        users = {u.username: u.id for u in db.session.scalars(select(User))}
    yield {"schools": schools, "users": users}
    empty_database(app)


@pytest.fixture(scope="module")
def login(app, ids):
    return sessions(app)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _pairing_form(ids, **changes):
    today = date.today()
    data = {"mentor": ids["users"]["t004"], "partner_school": ids["schools"]["530101-06"],
            "members": [ids["users"]["r0601"], ids["users"]["r0602"]],
            "start_date": (today - timedelta(days=60)).isoformat(), "end_date": (today + timedelta(days=300)).isoformat(),
            "note": "数学学科结对帮扶"}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes,field,message", [
    ({"mentor": "T001"}, "mentor", "holds no active famous-teacher"),
    ({"mentor": "Q001"}, "mentor", "does not serve in this county"),
    ({"partner_school": "530101-02"}, "partner_school", "neither"),
    ({"partner_school": "530102-01"}, "partner_school", "Choose a school of this county"),
    ({"members": ["R0701"]}, "members", "Only teachers serving at the partner school"),
    ({"members": []}, "members", "at least one teacher"),
    ({"end_date": "START"}, "end_date", "The end must be after the start"),
])
def test_bad_pairings_are_refused_next_to_the_field(app, ids, login, changes, field, message):
    data = _pairing_form(ids)
    for key, value in changes.items():
        if value == "START":
            value = data["start_date"]
        elif key == "members":
            value = [ids["users"][v.lower()] for v in value]
        elif isinstance(value, str) and value.isupper():
            value = ids["users"][value.lower()]
        elif key == "partner_school":
            value = ids["schools"][value]
        data[key] = value
    response = login("county").post("/rotation/pairings?lang=en", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="error-{field}"' in page and message in page, page[-2500:]
    assert "数学学科结对帮扶" in page  # the input is kept
    assert _count(app, Pairing) == 0


def test_the_county_office_pairs_a_title_holder(app, ids, login):
    county = login("county")
    page = county.get("/rotation/pairings").get_data(as_text=True)
    new = page.split('id="new-pairing"', 1)[1]
    with app.app_context():
        mentor = db.session.get(User, ids["users"]["t004"]).display_name
    assert mentor in new.split('id="partner_school"', 1)[0]  # offered as a mentor
    response = county.post("/rotation/pairings", data=_pairing_form(ids))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        pairing = db.session.scalar(select(Pairing))
        ids["pairing"] = pairing.id
        assert pairing.member_ids() == {ids["users"]["r0601"], ids["users"]["r0602"]}
        assert pairing.mentor_school_id == ids["schools"]["530101-01"]
    again = county.post("/rotation/pairings?lang=en", data=_pairing_form(ids))
    assert again.status_code == 422 and "is already paired with" in again.get_data(as_text=True)
    assert _count(app, Pairing) == 1


def _activity(login, ids, username, lang="zh_Hans_CN", **fields):
    data = {"kind": "lesson_review", "on_date": (date.today() - timedelta(days=7)).isoformat(),
            "topic": "七年级数学《一元一次方程》听课评课", **fields}
    return login(username).post(f"/rotation/pairings/{ids['pairing']}/activities?lang={lang}", data=data,
                                content_type="multipart/form-data")


@pytest.mark.parametrize("fields,message", [
    ({"on_date": (date.today() - timedelta(days=120)).isoformat()}, "must fall within the pairing"),
    ({"on_date": (date.today() + timedelta(days=3)).isoformat()}, "once it has taken place"),
    ({"participants": "T001"}, ""),
    ({"kind": "party"}, ""),
    ({"topic": ""}, ""),
])
def test_bad_activities_are_refused_and_change_nothing(app, ids, login, fields, message):
    fields = {k: (str(ids["users"][v.lower()]) if v == "T001" else v) for k, v in fields.items()}
    response = _activity(login, ids, "r0601", lang="en", **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[-2000:]
    assert message in page and 'class="form-error' in page
    assert _count(app, PairingActivity) == 0


def test_both_sides_record_activities_with_files(app, ids, login):
    mentee = _activity(login, ids, "r0601", evidence=(io.BytesIO(PDF), "评课记录.pdf"))
    assert mentee.status_code == 302, mentee.get_data(as_text=True)[-2000:]
    mentor = _activity(login, ids, "t004", kind="demonstration_class", topic="示范课《函数的概念》",
                       participants=str(ids["users"]["r0602"]),
                       on_date=(date.today() - timedelta(days=3)).isoformat())
    assert mentor.status_code == 302, mentor.get_data(as_text=True)[-2000:]
    with app.app_context():
        rows = {a.kind: a for a in db.session.scalars(select(PairingActivity))}
        assert rows["lesson_review"].participants == [ids["users"]["r0601"]]
        assert rows["demonstration_class"].participants == [ids["users"]["r0602"]]
        ids["activity"], ids["evidence"] = rows["lesson_review"].id, rows["lesson_review"].evidence[0]
    page = login("s6admin").get(f"/rotation/pairings/{ids['pairing']}").get_data(as_text=True)
    activities = page.split('id="pairing-activities"', 1)[1]
    assert "示范课《函数的概念》" in activities and "评课记录" not in page  # files by number, names stay private
    assert 'id="activity-form"' not in page  # the school administrator reads, does not record


@pytest.mark.parametrize("username,page,record,file", [
    ("county", 200, 404, 200), ("s1admin", 200, 404, 200), ("s6admin", 200, 404, 200),
    ("t004", 200, 422, 200), ("r0602", 200, 422, 200),
    ("t001", 404, 404, 404), ("r0603", 404, 404, 404), ("s7admin", 404, 404, 404), ("sqcounty", 404, 404, 404),
])
def test_who_sees_and_records(app, ids, login, username, page, record, file):
    base = f"/rotation/pairings/{ids['pairing']}"
    assert login(username).get(base).status_code == page
    assert login(username).post(f"{base}/activities", data={"topic": ""}).status_code == record
    url = f"{base}/activities/{ids['activity']}/evidence/{ids['evidence']}"
    response = login(username).get(url)
    assert response.status_code == file
    if file == 200:
        assert response.data == PDF
    listed = login(username).get("/rotation/pairings").get_data(as_text=True)
    assert (f'data-pairing="{ids["pairing"]}"' in listed) == (page == 200)


def test_what_the_annual_review_reads(app, ids):
    from webapp.processes.rotation_plan.pairing_results import apprentices, pairing_activities, school_year_bounds

    today = date.today()
    year = today.year if today >= date(today.year, 9, 1) else today.year - 1
    users = ids["users"]
    with app.app_context():
        first, after = school_year_bounds(year)
        mentor_rows = pairing_activities(users["t004"], year)
        in_year = {a.kind for a in db.session.scalars(select(PairingActivity))
                   if first <= a.on_date < after}
        assert {row.kind for row in mentor_rows} == in_year and all(row.side == "mentor" for row in mentor_rows)
        assert [row.kind for row in pairing_activities(users["r0602"], year)] == (
            ["demonstration_class"] if "demonstration_class" in in_year else [])
        assert all(row.side == "member" for row in pairing_activities(users["r0601"], year))
        assert apprentices(users["t004"], year) == sorted([users["r0601"], users["r0602"]])
        assert apprentices(users["t004"], year - 3) == [] and pairing_activities(users["t004"], year - 3) == []
        assert apprentices(users["r0601"], year) == []  # a paired teacher is nobody's mentor


def test_the_pairing_meets_the_annual_reviews_apprentice_duty(app, ids):
    """The mentor's pairing counts as the apprentice duty of their title's annual review, this year only."""
    from webapp.models import TitleHolding
    from webapp.processes.annual_review.duties import pairing_credit, progress, title_duties

    today = date.today()
    year = today.year if today >= date(today.year, 9, 1) else today.year - 1
    with app.app_context():
        title = db.session.scalar(select(TitleHolding).where(TitleHolding.user_id == ids["users"]["t004"]))
        duties = title_duties(title)
        assert pairing_credit(title, year) == {"apprentice": 2}
        assert pairing_credit(title, year - 3) == {}
        apprentice = {row.duty.code: row for row in progress(duties, [], pairing_credit(title, year))}["apprentice"]
        assert apprentice.met and apprentice.done == (2,)
        before = {row.duty.code: row for row in progress(duties, [])}["apprentice"]
        assert not before.met


def test_the_pairing_pages_are_english_in_english(app, ids, login):
    from .english_scan import chinese_left, user_entered_values

    with app.app_context():
        allowed = user_entered_values() + sorted(
            {a.topic for a in db.session.scalars(select(PairingActivity))} | {"数学学科结对帮扶"}, key=len, reverse=True)
    for username, url in [("county", "/rotation/pairings"), ("county", f"/rotation/pairings/{ids['pairing']}"),
                          ("t004", f"/rotation/pairings/{ids['pairing']}"), ("r0601", "/rotation/pairings"),
                          ("s6admin", "/rotation/")]:
        login(username).get(url)  # shows (and so clears) a message left by an earlier action
        page = login(username).get(url + "?lang=en").get_data(as_text=True)
        assert 'lang="en"' in page[:200]
        assert chinese_left(page, allowed) == [], (username, url)
