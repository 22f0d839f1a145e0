"""The JSON API: tokens made and revoked on the pages, stored hashed; the pages' scopes; the OpenAPI
document exercised with schemathesis (no 500s, answers as documented, nothing out of scope)."""
from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from webapp.extensions import db

from .conftest import empty_database
from .people_support import org_id, user_id


def _token(session, user_id_: int, name: str = "HR system") -> str:
    response = session.post(f"/admin/people/users/{user_id_}/tokens", data={"name": name})
    assert response.status_code == 302
    html = session.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r"(sjt_[A-Za-z0-9_-]{20,})", html).group(1)


@pytest.fixture(autouse=True)
def clean_database():
    """The world is shared by the module's tests (schemathesis calls many times); emptied at the end."""
    yield


@pytest.fixture(scope="module")
def world(app):
    from webapp.demo import add_second_county, build_demo
    from webapp.models import TitleHolding

    with app.app_context():
        build_demo()
        add_second_county()
        db.session.commit()
    from datetime import date

    with app.app_context():
        for username in ("t001", "q001"):
            db.session.add(TitleHolding(user_id=user_id(app, username), level="county", category="backbone",
                                        valid_from=date(2024, 1, 1), valid_until=date(2029, 1, 1), active=True))
        db.session.commit()
    from .conftest import Session

    county = Session(app, "county")
    tokens = {"county": _token(county, user_id(app, "county"))}
    teacher = Session(app, "t001")
    tokens["t001"] = _token(teacher, user_id(app, "t001"))
    yield {"tokens": tokens, "county_session": county}
    empty_database(app)


def _get(app, path, token):
    return app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})


def test_tokens_authenticate_and_are_stored_hashed(app, world):
    from webapp.people.models import ApiToken

    token = world["tokens"]["county"]
    assert _get(app, "/api/v1/me", token).json["username"] == "county"
    assert app.test_client().get("/api/v1/me").status_code == 401
    assert _get(app, "/api/v1/me", token + "x").status_code == 401
    with app.app_context():
        stored = [row.token_hash for row in db.session.query(ApiToken)]
        assert token not in stored and all(len(h) == 64 for h in stored)


def test_revoked_token_is_refused(app, world):
    county = world["county_session"]
    secret = _token(county, user_id(app, "county"), "temporary")
    assert _get(app, "/api/v1/me", secret).status_code == 200
    from webapp.people.models import ApiToken

    with app.app_context():
        token_id = db.session.query(ApiToken.id).filter_by(name="temporary").scalar()
    assert county.post(f"/admin/people/users/{user_id(app, 'county')}/tokens/{token_id}/revoke").status_code == 302
    assert _get(app, "/api/v1/me", secret).status_code == 401


def test_scopes_match_the_pages(app, world):
    county, teacher = world["tokens"]["county"], world["tokens"]["t001"]
    other_school = org_id(app, "530102-01")
    assert _get(app, f"/api/v1/organisations/{other_school}", county).status_code == 404
    assert _get(app, f"/api/v1/organisations/{org_id(app, '530101-01')}", county).status_code == 200
    names = {item["code"] for item in _get(app, "/api/v1/organisations?limit=200", county).json["items"]}
    assert "530101-01" in names and "530102-01" not in names
    titles = _get(app, "/api/v1/titles", county).json["items"]
    assert {t["user_id"] for t in titles} == {user_id(app, "t001")}
    assert [t["user_id"] for t in _get(app, "/api/v1/titles", teacher).json["items"]] == [user_id(app, "t001")]
    assert _get(app, f"/api/v1/organisations/{org_id(app, '530101-02')}", teacher).status_code == 404
    assert _get(app, "/api/v1/titles?limit=0", teacher).status_code == 400


def test_a_user_cannot_make_tokens_for_others(app, world):
    from .conftest import Session

    teacher = Session(app, "t001")
    assert teacher.post(f"/admin/people/users/{user_id(app, 't004')}/tokens", data={"name": "x"}).status_code == 404
    other = Session(app, "sqcounty")
    assert other.post(f"/admin/people/users/{user_id(app, 't001')}/tokens", data={"name": "x"}).status_code == 404


API_PATHS = ["/me", "/organisations", "/organisations/{org_id}", "/titles", "/inbox", "/instances",
             "/instances/{instance_id}"]


@pytest.mark.parametrize("path", API_PATHS)
def test_api_against_its_openapi_document(app, world, path):
    """Generated requests (hypothesis, through schemathesis) per operation: no 500s, responses as
    documented, and nothing from outside 汉阴县 for its county office."""
    from hypothesis import given

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path]["GET"]
    county_teacher = user_id(app, "t001")
    token = world["tokens"]["county"]

    @given(case=operation.as_strategy())
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500
        if response.status_code != 200:
            return
        body = response.json()
        if path == "/organisations":
            assert all(item["code"].startswith("530101") for item in body["items"])
        if path == "/organisations/{org_id}":
            assert body["code"].startswith("530101")
        if path == "/titles":
            assert {item["user_id"] for item in body["items"]} <= {county_teacher}

    check()
