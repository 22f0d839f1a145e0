"""Per-organisation variants: two counties run the school vote on different rules at the same time,
running instances keep their version, and who may edit which scope (every editor URL × role × organisation)."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Organisation, ProcessInstance
from webapp.processes.school_vote.models import VoteRound

from .helpers import accepted_applications
from .test_definition_editor import RULES, publish, rules_with


@pytest.fixture
def two_counties(app, demo):
    from webapp.demo import add_second_county

    with app.app_context():
        add_second_county()
        db.session.commit()
        return {name: db.session.scalar(select(Organisation.id).filter_by(name=name))
                for name in ("云南省", "示范市", "汉阴县", "石泉县")}


def _open_round(app, login, admin: str) -> int:
    """The school administrator opens a vote on the first call with accepted applications; its instance id."""
    session = login(admin)
    page = session.get("/vote/").get_data(as_text=True)
    match = re.search(r'action="/vote/schools/(\d+)/rounds".*?name="cycle_id" id="ready-\d+-(\d+)"', page, re.S)
    assert match, page
    from datetime import date, timedelta

    deadline = (date.today() + timedelta(days=3)).isoformat()
    response = session.post(f"/vote/schools/{match.group(1)}/rounds", data={"cycle_id": match.group(2), "deadline": deadline})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return db.session.scalars(select(VoteRound.instance_id).order_by(VoteRound.id.desc())).first()


def _rules(app, instance_id: int) -> tuple[dict, int]:
    """The vote rules the instance read from its decision table, and its version row."""
    with app.app_context():
        instance = db.session.get(ProcessInstance, instance_id)
        workflow = app.extensions["workflow_engine"].restore(instance)
        return dict(workflow.data.get("rules") or workflow.last_task.data["rules"]), instance.version_id


def test_two_counties_vote_on_their_own_rules_and_running_rounds_keep_theirs(app, login, two_counties):
    accepted_applications(app, login, ["t001", "t004", "t007"])
    running = _open_round(app, login, "s1admin")  # 汉阴县, before its variant exists

    county = str(two_counties["汉阴县"])
    response = publish(login("hypa"), RULES, rules_with("7", ("1", "2")), comment="县规定公示七个工作日", scope=county)
    assert response.status_code == 302, response.get_data(as_text=True)

    accepted_applications(app, login, ["t001", "t004"], category="academic_leader")
    new = _open_round(app, login, "s1admin")  # 汉阴县, after
    accepted_applications(app, login, ["q001", "q002", "q003"], admin="q1admin")
    other = _open_round(app, login, "q1admin")  # 石泉县 at the same time

    running_rules, running_version = _rules(app, running)
    new_rules, new_version = _rules(app, new)
    other_rules, other_version = _rules(app, other)
    assert (running_rules["notice_days"], running_rules["quorum_num"], running_rules["quorum_den"]) == (5, 2, 3)
    assert (new_rules["notice_days"], new_rules["quorum_num"], new_rules["quorum_den"]) == (7, 1, 2)
    assert (other_rules["notice_days"], other_rules["quorum_num"]) == (5, 2)
    assert new_version != running_version and other_version == running_version

    # The list shows which version applies where.
    index = login("admin").get("/admin/definitions/").get_data(as_text=True)
    row = re.search(r'<tr data-file="workflows/vote_rules.dmn">(.*?)</tr>', index, re.S).group(1)
    assert re.search(rf'data-scope="{county}">\s*<span class="version">[^<]*1', row)
    assert re.search(r'data-scope="default">\s*<span class="version">(as shipped|原始版本)', row)


def test_a_city_variant_applies_below_it_and_a_county_variant_overrides_it(app, login, two_counties):
    from webapp.definitions import store

    admin = login("admin")
    assert publish(admin, RULES, rules_with("6"), scope=str(two_counties["示范市"])).status_code == 302
    assert publish(login("sqpa"), RULES, rules_with("9"), scope=str(two_counties["石泉县"])).status_code == 302
    with app.app_context():
        for name, days in (("汉阴县", "6"), ("石泉县", "9")):
            org = db.session.get(Organisation, two_counties[name])
            entry = store.in_force(RULES, store.chain_of_scope(org))
            assert f"<text>{days}</text>" in store.content_of(entry).decode()
        assert "<text>5</text>" in store.content_of(store.in_force(RULES, ["default"])).decode()


def _urls(file: str, scope: str) -> list[tuple[str, str, dict]]:
    return [
        ("get", f"/admin/definitions/edit?file={file}&scope={scope}", {}),
        ("get", f"/admin/definitions/source?file={file}&scope={scope}", {}),
        ("get", f"/admin/definitions/history?file={file}&scope={scope}", {}),
        ("get", f"/admin/definitions/diff?file={file}&scope={scope}&from=0&to=0", {}),
        ("post", "/admin/definitions/draft", {"json": {"file": file, "scope": scope, "content": rules_with("6")}}),
        ("post", "/admin/definitions/publish", {"data": {"file": file, "scope": scope, "content": rules_with("6"),
                                                         "comment": "x"}}),
        ("post", "/admin/definitions/rollback", {"data": {"file": file, "scope": scope, "number": "0"}}),
        ("post", "/admin/definitions/impact", {"json": {"file": file, "scope": scope, "content": rules_with("6")}}),
        ("post", "/admin/definitions/upload", {"data": {"file": file, "scope": scope,
                                                        "upload": (io.BytesIO(rules_with("6").encode()), "rules.dmn")},
                                               "content_type": "multipart/form-data"}),
        ("get", f"/admin/definitions/migrate?process=school_vote&scope={scope}", {}),
        ("post", "/admin/definitions/migrate", {"data": {"process": "school_vote", "scope": scope, "comment": "x"}}),
        ("post", "/admin/definitions/preview-form", {"json": {"file": "forms/school_vote_tie.schema.json",
                                                              "scope": scope, "content": "{}"}}),
    ]


# user → scopes they may edit (names; "default" for the defaults)
MAY_EDIT = {
    "admin": {"default", "云南省", "示范市"},
    "hypa": {"汉阴县"},
    "sqpa": {"石泉县"},
    "county": set(),
    "s1admin": set(),
    "t001": set(),
}


@pytest.mark.parametrize("username", sorted(MAY_EDIT))
def test_every_editor_url_by_role_and_organisation(app, login, two_counties, username):
    session = login(username)
    index = session.get("/admin/definitions/")
    assert index.status_code == (200 if MAY_EDIT[username] else 404)
    for scope_name in ("default", "云南省", "示范市", "汉阴县", "石泉县"):
        scope = "default" if scope_name == "default" else str(two_counties[scope_name])
        allowed = scope_name in MAY_EDIT[username]
        for method, url, kwargs in _urls(RULES, scope):
            response = getattr(session, method)(url, **kwargs)
            if allowed:
                assert response.status_code not in (403, 404, 500), (username, scope_name, url, response.status_code)
            else:
                assert response.status_code == 404, (username, scope_name, url, response.status_code)


def test_the_navigation_shows_the_editor_to_editors_only(app, login, two_counties):
    assert 'id="nav-editor"' in login("hypa").get("/inbox").get_data(as_text=True)
    assert 'id="nav-editor"' not in login("county").get("/inbox").get_data(as_text=True)
    # A county's process administrator sees only its own column.
    page = login("hypa").get("/admin/definitions/").get_data(as_text=True)
    assert "汉阴县" in page and "石泉县" not in page and "Default (everywhere)" not in page and "默认（全部地区）" not in page


def test_impact_preview_replays_real_inputs_through_the_edited_table(app, login, two_counties):
    accepted_applications(app, login, ["t001", "t004", "t007"])
    _open_round(app, login, "s1admin")
    accepted_applications(app, login, ["q001", "q002", "q003"], admin="q1admin")
    _open_round(app, login, "q1admin")
    county = str(two_counties["汉阴县"])
    response = login("hypa").post("/admin/definitions/impact",
                                  json={"file": RULES, "scope": county, "content": rules_with("7")})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["considered"], body["changed"]) == (1, 1)  # only its own county's round
    assert "rules.notice_days: 5 → 7" in body["html"]
    unchanged = login("hypa").post("/admin/definitions/impact",
                                   json={"file": RULES, "scope": county, "content": rules_with("5")}).get_json()
    assert (unchanged["considered"], unchanged["changed"]) == (1, 0)
    everywhere = login("admin").post("/admin/definitions/impact",
                                     json={"file": RULES, "scope": "default", "content": rules_with("7")}).get_json()
    assert (everywhere["considered"], everywhere["changed"]) == (2, 2)


def test_the_demo_county_variant_passes_the_checks_and_applies_there_only(app, demo):
    from webapp.definitions import store
    from webapp.demo import add_second_county, publish_demo_variant

    with app.app_context():
        county = add_second_county()
        publish_demo_variant(county)
        db.session.commit()
        variant = store.content_of(store.in_force(RULES, store.chain_of_scope(county))).decode()
        assert re.search(r'rule_default_notice_days">\s*<text>10<', variant)
        other = db.session.scalar(select(Organisation).filter_by(name="汉阴县"))
        assert store.in_force(RULES, store.chain_of_scope(other)).publication_id is None
