"""Login throttling: failed logins are limited per account and per address, audited, and explained."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import LoginEvent, RateLimitCounter

ELSEWHERE = {"REMOTE_ADDR": "198.51.100.7"}


def attempt(client, username, password, address="127.0.0.1", lang=None):
    """One login form post from `address`."""
    url = "/login" + (f"?lang={lang}" if lang else "")
    return client.post(url, data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def outcomes(app, username) -> list[str]:
    """The audit trail of one user name, oldest first."""
    with app.app_context():
        return list(db.session.scalars(
            select(LoginEvent.outcome).filter_by(username=username).order_by(LoginEvent.id)))


def test_per_account_limit_refuses_even_the_right_password(app, client, demo):
    limit = 10  # LOGIN_LIMIT_PER_ACCOUNT's default: 10 per 15 minutes
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == f"{limit} per 15 minutes"
    for _ in range(limit):
        assert attempt(client, "t001", "guess").status_code == 401
    refused = attempt(client, "t001", "demo1234", lang="en")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many failed logins for this user name" in page
    assert "try again in 15 minutes" in page  # the wait, in the user's language
    assert 840 <= int(refused.headers["Retry-After"]) <= 900
    assert 'value="t001"' in page  # the name typed is kept
    # Differently written, the same account: still refused. In Chinese by default.
    chinese = attempt(client, "T001", "demo1234").get_data(as_text=True)
    assert "登录失败次数过多" in chinese and "15分钟" in chinese
    assert outcomes(app, "t001") == ["failed"] * limit + ["throttled"]
    # Other accounts, even from the same address, are not affected.
    assert attempt(client, "t004", "demo1234").status_code == 302
    assert outcomes(app, "t004") == ["succeeded"]


def test_successful_logins_do_not_count(app, demo):
    for _ in range(12):
        client = app.test_client()
        assert attempt(client, "t001", "demo1234").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(RateLimitCounter.hits).where(RateLimitCounter.key.contains("t001"))) is None


def test_per_address_limit_across_accounts(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "5 per 15 minutes")
    client = app.test_client()
    for username in ("t001", "t002", "t003", "t004", "nobody"):
        assert attempt(client, username, "guess", address="203.0.113.5").status_code == 401
    refused = attempt(client, "t007", "demo1234", address="203.0.113.5", lang="en")
    assert refused.status_code == 429
    assert "Too many failed logins from your network address" in refused.get_data(as_text=True)
    assert outcomes(app, "t007") == ["throttled"]
    # The same person from another address logs in.
    assert attempt(app.test_client(), "t007", "demo1234", address="198.51.100.7").status_code == 302


def test_the_limit_lifts_when_its_window_ends(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per 2 seconds")
    client = app.test_client()
    for _ in range(2):
        assert attempt(client, "t001", "guess").status_code == 401
    assert attempt(client, "t001", "demo1234").status_code == 429
    time.sleep(2.2)
    assert attempt(client, "t001", "demo1234").status_code == 302


def test_database_storage_counts_in_fixed_windows(app):
    """The appdb:// storage: counts add up, a new window starts after expiry, keys are separate."""
    from limits.storage import storage_from_string

    storage = storage_from_string("appdb://")
    with app.app_context():
        assert storage.check()
        assert [storage.incr("k1", 60) for _ in range(3)] == [1, 2, 3]
        assert storage.get("k1") == 3 and storage.get("k2") == 0
        assert time.time() + 55 < storage.get_expiry("k1") <= time.time() + 60
        assert storage.incr("k2", 1, amount=5) == 5
        time.sleep(1.1)
        assert storage.get("k2") == 0
        assert storage.incr("k2", 1) == 1  # the ended window started again
        storage.clear("k1")
        assert storage.get("k1") == 0
        assert storage.reset() == 1


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_user_name_is_refused_without_a_counter(app, client, demo, name):
    assert attempt(client, name, "x").status_code == 401
    with app.app_context():
        keys = list(db.session.scalars(select(RateLimitCounter.key)))
    assert not any(key.startswith("account") or ":account:" in key for key in keys), keys
