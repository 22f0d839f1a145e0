"""The title register: conferral, allowance, revocation, transfer, renewal, lapse and gapless numbers."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from webapp import register
from webapp.extensions import db
from webapp.models import Organisation, TitleHolding, TitleStatus, User


def _ids(username: str) -> tuple[int, int, int]:
    """(user id, school id, county id) of a demo teacher."""
    user = db.session.scalar(select(User).where(User.username == username))
    school = user.profile.school
    return user.id, school.id, school.parent_id


def _confer(username="t001", on=date(2026, 3, 15), **extra) -> TitleHolding:
    user_id, school_id, county_id = _ids(username)
    values = dict(user_id=user_id, level="county", category="backbone", conferred_on=on, term_years=5,
                  subject="math", org_id=school_id, county_id=county_id, allowance_monthly=300)
    values.update(extra)
    return register.confer(**values)


def _kinds(title: TitleHolding) -> list[str]:
    return [event.kind for event in title.events]


def test_conferral_starts_the_term_and_the_allowance_next_month(app, demo):
    with app.test_request_context():
        title = _confer(on=date(2026, 12, 20))
        db.session.flush()
        assert (title.valid_from, title.valid_until) == (date(2026, 12, 20), date(2031, 12, 20))
        assert title.allowance_from == date(2027, 1, 1)
        assert title.status == TitleStatus.active and title.active is True
        assert _kinds(title) == ["conferred", "allowance_started"]


def test_a_title_already_held_is_refused(app, demo):
    with app.test_request_context():
        _confer()
        db.session.flush()
        with pytest.raises(register.RegisterError):
            _confer(on=date(2026, 9, 1))
        assert db.session.query(TitleHolding).count() == 1


def test_revocation_needs_a_reason_and_stops_the_allowance(app, demo):
    with app.test_request_context():
        title = _confer()
        with pytest.raises(register.RegisterError):
            register.revoke(title, date(2027, 7, 1), "  ")
        assert title.active is True
        register.revoke(title, date(2027, 7, 1), "年度考核不合格")
        assert (title.status, title.active, title.allowance_until) == ("revoked", False, date(2027, 7, 1))
        assert _kinds(title)[-2:] == ["revoked", "allowance_stopped"]
        with pytest.raises(register.RegisterError):
            register.lapse(title, date(2031, 3, 16))
        register.reinstate(title, date(2027, 8, 1), "申诉成立")
        assert title.active is True and title.allowance_until == date(2027, 7, 1)


def test_transfer_keeps_the_title_and_stops_the_allowance_only_with_a_personnel_change(app, demo):
    with app.test_request_context():
        title = _confer()
        other = db.session.scalar(select(Organisation.id).where(Organisation.id != title.org_id))
        register.transfer(title, date(2027, 2, 1), other, personnel_change=False)
        assert title.allowance_active
        register.transfer(title, date(2027, 9, 1), other, personnel_change=True, reason="调动")
        assert title.active is True and title.allowance_until == date(2027, 9, 1)
        assert _kinds(title)[-3:] == ["transferred", "transferred", "allowance_stopped"]


def test_renewal_extends_from_the_end_and_lapse_is_found_by_the_scan(app, demo):
    with app.test_request_context():
        renewed = _confer("t001", on=date(2020, 2, 29))
        old = _confer("t002", on=date(2020, 6, 1))
        db.session.flush()
        register.renew(renewed, date(2025, 1, 10), 5)
        assert renewed.valid_until == date(2030, 2, 28)
        assert register.titles_due_to_lapse(date(2025, 6, 2)) == [old.id]
        register.lapse(old, date(2025, 6, 2))
        assert old.status == "lapsed" and old.allowance_until == date(2025, 6, 2)
        assert register.titles_due_to_lapse(date(2025, 6, 2)) == []


def test_certificate_number_formats_are_checked(app):
    with app.test_request_context():
        assert register.format_certificate_number(
            "{county}-{year}-{level}-{category}-{seq:04d}", county="HY", year=2026, level="X", category="G", seq=7
        ) == "HY-2026-X-G-0007"
        with pytest.raises(register.RegisterError):
            register.check_certificate_format("{county}-{year}-{level}")  # no sequence: numbers repeat
        with pytest.raises(register.RegisterError):
            register.check_certificate_format("{year}-{level}-{category}-{seq}-{holder}")


def test_sequences_are_gapless_per_county_year_level_and_category(app, demo):
    with app.app_context():
        county = db.session.scalar(select(Organisation.id).where(Organisation.parent_id.is_(None)))
        numbers = [register.next_certificate_sequence(county, 2026, "county", "backbone") for _ in range(3)]
        other = register.next_certificate_sequence(county, 2026, "county", "famous_teacher")
        db.session.rollback()  # a conferral that failed gives its numbers back
        again = register.next_certificate_sequence(county, 2026, "county", "backbone")
        db.session.commit()
    assert numbers == [1, 2, 3] and other == 1
    assert again == 1


def test_two_conferrals_at_once_never_share_a_number(app, demo):
    with app.app_context():
        county = db.session.scalar(select(Organisation.id).where(Organisation.parent_id.is_(None)))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite serialises writers on the file lock; the race is a PostgreSQL one")
    barrier = threading.Barrier(4, timeout=20)
    results: list[int] = []
    lock = threading.Lock()

    def confer_one():
        with app.app_context():
            barrier.wait()
            numbers = [register.next_certificate_sequence(county, 2026, "county", "backbone") for _ in range(5)]
            db.session.commit()
            with lock:
                results.extend(numbers)

    threads = [threading.Thread(target=confer_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == list(range(1, 21))
