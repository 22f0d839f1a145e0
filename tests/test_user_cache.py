"""The logged-in user cached per process (`webapp/auth/cache.py`), checked against `auth_version`.

A request whose user this process holds at their current stamp reads the stamp and nothing else
of the user; any change to the user, their roles, those organisations or their profile, made
by whatever path (ORM, Core statements in another connection, raw SQL), raises the stamp through
the triggers of migration 0026, and the very next request sees it.
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, delete, inspect, text, update

from webapp.auth import load_user
from webapp.auth.cache import UserCache, user_cache
from webapp.extensions import db
from webapp.models import Organisation, RoleAssignment, TeacherProfile, User
from webapp.roles import Role

from .helpers import counting
from .people_support import org_id, user_id

# The alias SQLAlchemy gives the roles in the user's joined load: present only when it is sent.
JOINED_LOAD = "JOIN role_assignment AS role_assignment_1"


def _user_statements(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lstrip().startswith("SELECT user_account.")]


def _stamp(app, uid: int) -> int:
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(text("SELECT auth_version FROM user_account WHERE id = :id"), {"id": uid}).scalar_one()


def _elsewhere(app, statement) -> None:
    """Run a Core statement in a connection of its own and commit it (another process would)."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(statement)


def test_a_known_user_costs_one_column_read(app, login):
    admin = login("admin")
    with counting(app) as first:
        assert admin.get("/admin/processes").status_code == 200
    with counting(app) as second:
        assert admin.get("/admin/processes").status_code == 200
    # The first request of the session loads the user with roles and profile, and keeps a copy
    # (a user this process has never seen: no stamp read first, the load reads the stamp too).
    assert len(_user_statements(first)) == 1 and JOINED_LOAD in _user_statements(first)[0]
    # The second one reads the stamp only: one user statement, two columns, no join.
    statements = _user_statements(second)
    assert len(statements) == 1, statements
    columns = statements[0].split("FROM")[0]
    # (PostgreSQL adds whether the transaction has written yet: a function call, no table read.)
    assert "user_account.auth_version, user_account.is_active" in columns and columns.count("user_account.") == 2
    assert not any(JOINED_LOAD in s for s in second)
    assert len(second) == len(first)
    # Serving from the cache writes nothing: the stamp did not move.
    uid = user_id(app, "admin")
    before = _stamp(app, uid)
    admin.get("/admin/processes")
    assert _stamp(app, uid) == before


def test_role_deleted_by_core_statement_bites_on_the_next_request(app, login):
    admin = login("admin")
    assert admin.get("/admin/processes").status_code == 200
    assert admin.get("/admin/processes").status_code == 200  # served from the cache
    uid = user_id(app, "admin")
    _elsewhere(app, delete(RoleAssignment.__table__).where(RoleAssignment.__table__.c.user_id == uid))
    # Out of scope is "no such page" in this app.
    assert admin.get("/admin/processes").status_code == 404


def test_role_revoked_through_the_orm_bites_on_the_next_request(app, login):
    admin = login("admin")
    assert admin.get("/admin/processes").status_code == 200
    assert admin.get("/admin/processes").status_code == 200
    with app.app_context():
        person = db.session.get(User, user_id(app, "admin"))
        person.roles.remove(next(a for a in person.roles if a.role is Role.sysadmin))
        db.session.commit()
    assert admin.get("/admin/processes").status_code == 404


def test_role_granted_elsewhere_opens_the_page_at_once(app, login):
    teacher = login("t001")
    assert teacher.get("/admin/processes").status_code == 404
    assert teacher.get("/admin/processes").status_code == 404
    uid = user_id(app, "t001")
    with app.app_context():
        province = db.session.query(Organisation.id).filter(Organisation.parent_id.is_(None)).scalar()
    _elsewhere(app, RoleAssignment.__table__.insert().values(user_id=uid, role=Role.sysadmin.name, org_id=province))
    assert teacher.get("/admin/processes").status_code == 200


def test_deactivation_by_core_update_logs_out_on_the_next_request(app, login):
    teacher = login("t001")
    assert teacher.get("/inbox").status_code == 200
    assert teacher.get("/inbox").status_code == 200
    _elsewhere(app, update(User.__table__).where(User.__table__.c.id == user_id(app, "t001")).values(is_active=False))
    response = teacher.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_organisation_renamed_or_moved_elsewhere_follows(app, login):
    county_id = org_id(app, "530101")
    school_id = org_id(app, "530101-01")
    county = login("county")
    page = county.get("/admin/people/").get_data(as_text=True)
    assert "汉阴县第一中学" in page and "汉阴县（更名）" not in page
    assert county.get(f"/admin/people/orgs/{school_id}").status_code == 200
    organisation = Organisation.__table__
    _elsewhere(app, update(organisation).where(organisation.c.id == county_id).values(name="汉阴县（更名）"))
    # The tree's root is the county the role points to: the request must not keep its old name.
    assert "汉阴县（更名）" in county.get("/admin/people/").get_data(as_text=True)
    # The county's path changes (only its own row): its school no longer lies within the office's scope.
    with app.app_context():
        path = db.session.get(Organisation, county_id).path
    _elsewhere(app, update(organisation).where(organisation.c.id == county_id).values(path=path[:-1] + "9/"))
    assert county.get(f"/admin/people/orgs/{school_id}").status_code == 404


def test_school_moved_through_the_pages_moves_its_administrators_scope(app, login):
    from webapp.demo import add_second_county

    with app.app_context():
        add_second_county()
        db.session.commit()
    school_id, other_county = org_id(app, "530101-01"), org_id(app, "530102")
    uid = user_id(app, "s1admin")
    with app.test_request_context():
        load_user(uid)  # cached
    assert login("city").post(f"/admin/people/orgs/{school_id}/move", data={"parent_id": other_county}).status_code == 302
    with app.test_request_context():
        user = load_user(uid)
        (held,) = [org for role, org in user.role_scopes() if role is Role.school_admin]
        assert held.path.endswith(f"/{other_county}/{school_id}/")


def test_profile_school_changed_elsewhere_follows(app, demo):
    uid = user_id(app, "t001")
    other_school = org_id(app, "530101-02")
    with app.test_request_context():
        assert load_user(uid).profile.school_id != other_school
    with app.test_request_context(), counting(app) as seen:
        assert load_user(uid).profile.school_id != other_school
    assert len(_user_statements(seen)) == 1  # it was cached
    profile = TeacherProfile.__table__
    _elsewhere(app, update(profile).where(profile.c.user_id == uid).values(school_id=other_school))
    with app.test_request_context():
        assert load_user(uid).profile.school_id == other_school


def test_user_edited_by_an_administrator_shows_on_their_next_page(app, login):
    teacher = login("t001")
    assert teacher.get("/inbox").status_code == 200
    assert teacher.get("/inbox").status_code == 200
    with app.app_context():
        db.session.get(User, user_id(app, "t001")).display_name = "改过的名字"
        db.session.commit()
    with app.test_request_context():
        assert load_user(user_id(app, "t001")).display_name == "改过的名字"


def test_a_transaction_that_wrote_does_not_fill_the_cache(app, demo):
    """A stamp this transaction raised could be rolled back and later reached by another change."""
    uid = user_id(app, "t001")
    cache = user_cache(app)
    with app.test_request_context():
        user = db.session.get(User, uid)
        user.display_name = "未提交"
        db.session.flush()
        db.session.expunge(user)
        assert load_user(uid).display_name == "未提交"
        assert uid not in cache
        db.session.rollback()
    with app.test_request_context():
        assert load_user(uid).display_name != "未提交"
        assert uid in cache


def test_forget_cached_rows_empties_the_cache(app, demo):
    from webapp import forget_cached_rows

    with app.test_request_context():
        load_user(user_id(app, "t001"))
    assert len(user_cache(app)) == 1
    forget_cached_rows(app)
    assert len(user_cache(app)) == 0


def test_the_cache_is_bounded_and_least_recently_used_goes_first():
    cache = UserCache(size=3)
    for uid in (1, 2, 3):
        cache.put(uid, 0, object())
    assert cache.get(1, 0) is not None  # 1 is now the most recent
    cache.put(4, 0, object())
    assert len(cache) == 3 and 2 not in cache and all(uid in cache for uid in (1, 3, 4))
    # A stale stamp is a miss, and the entry goes.
    assert cache.get(3, 1) is None and 3 not in cache


def test_the_cache_stays_within_its_size_in_the_app(app, demo):
    cache = user_cache(app)
    size = cache.size
    cache.size = 2
    try:
        with app.app_context():
            ids = [uid for (uid,) in db.session.query(User.id).order_by(User.id).limit(5)]
        for uid in ids:
            with app.test_request_context():
                load_user(uid)
        assert len(cache) == 2 and ids[-1] in cache and ids[0] not in cache
    finally:
        cache.size = size


# --- the triggers, by direct SQL, on the database the suite runs on ---------------------------------


@pytest.fixture
def stamp_world(app):
    """A user, a school and a connection in a transaction (rolled back afterwards)."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        connection.execute(text(
            "INSERT INTO organisation (id, kind, name, code, path, is_rural, teacher_headcount, is_weak, active)"
            " VALUES (901, 'school', 'S', 'stamp-901', '/901/', false, 0, false, true),"
            " (902, 'school', 'T', 'stamp-902', '/902/', false, 0, false, true)"))
        connection.execute(text(
            "INSERT INTO user_account (id, username, display_name, password_hash, is_active, created_dt)"
            " VALUES (901, 'stamp', 'Stamp', 'x', true, CURRENT_TIMESTAMP),"
            " (902, 'other', 'Other', 'x', true, CURRENT_TIMESTAMP)"))
        try:
            yield connection
        finally:
            transaction.rollback()
            connection.close()


def _version(connection, uid: int = 901) -> int:
    return connection.execute(text("SELECT auth_version FROM user_account WHERE id = :id"), {"id": uid}).scalar_one()


PROFILE = ("INSERT INTO teacher_profile (user_id, school_id, birth_date, teaching_start_date, professional_title,"
           " education, subject, has_teacher_qualification, has_it_certificate, open_classes_5y, papers_awarded_5y,"
           " research_projects_5y, prizes_5y) VALUES (901, 901, '1980-01-01', '2000-01-01', 'none', 'bachelor',"
           " 'math', true, false, 0, 0, 0, 0)")


def test_triggers_raise_the_stamp_by_one_for_each_change(stamp_world):
    c = stamp_world
    assert _version(c) == 0
    steps = [
        ("role inserted", "INSERT INTO role_assignment (user_id, role, org_id) VALUES (901, 'teacher', 901)"),
        ("role updated", "UPDATE role_assignment SET role = 'school_admin' WHERE user_id = 901"),
        ("role's organisation renamed", "UPDATE organisation SET name = 'S2' WHERE id = 901"),
        ("role's organisation moved", "UPDATE organisation SET path = '/902/901/', parent_id = 902 WHERE id = 901"),
        ("user updated", "UPDATE user_account SET locale = 'en' WHERE id = 901"),
        ("user deactivated", "UPDATE user_account SET is_active = false WHERE id = 901"),
        ("profile inserted", PROFILE),
        ("profile updated", "UPDATE teacher_profile SET subject = 'physics' WHERE user_id = 901"),
        ("profile deleted", "DELETE FROM teacher_profile WHERE user_id = 901"),
        ("role deleted", "DELETE FROM role_assignment WHERE user_id = 901"),
    ]
    for expected, (what, statement) in enumerate(steps, start=1):
        c.execute(text(statement))
        assert _version(c) == expected, what
    assert _version(c, 902) == 0  # the other user was never concerned


def test_a_role_moved_to_another_user_bumps_both(stamp_world):
    c = stamp_world
    c.execute(text("INSERT INTO role_assignment (user_id, role, org_id) VALUES (901, 'teacher', 901)"))
    c.execute(text("UPDATE role_assignment SET user_id = 902 WHERE user_id = 901"))
    assert (_version(c), _version(c, 902)) == (2, 1)


def test_a_school_change_bumps_its_teachers(stamp_world):
    c = stamp_world
    c.execute(text(PROFILE))
    assert _version(c) == 1
    c.execute(text("UPDATE organisation SET name = 'renamed' WHERE id = 901"))
    assert _version(c) == 2
    c.execute(text("UPDATE organisation SET name = 'elsewhere' WHERE id = 902"))
    assert _version(c) == 2  # not their school


def test_setting_the_stamp_itself_is_not_bumped_again(stamp_world):
    c = stamp_world
    c.execute(text("UPDATE user_account SET auth_version = 7 WHERE id = 901"))
    assert _version(c) == 7


def test_many_rows_in_one_statement_bump_each_user_once(stamp_world):
    c = stamp_world
    c.execute(text("INSERT INTO role_assignment (user_id, role, org_id) VALUES"
                   " (901, 'teacher', 901), (901, 'school_admin', 901), (902, 'teacher', 902)"))
    # PostgreSQL: one statement-level bump per user; SQLite: one row trigger per row.
    expected = 1 if c.dialect.name == "postgresql" else 2
    assert (_version(c), _version(c, 902)) == (expected, 1)


def test_create_all_builds_the_triggers_too(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'create_all.sqlite3'}")
    db.metadata.create_all(engine)
    with engine.begin() as c:
        triggers = {name for (name,) in c.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
        assert {"auth_version_user_account", "auth_version_role_assignment_insert", "auth_version_organisation",
                "auth_version_teacher_profile_delete"} <= triggers
        c.execute(text("INSERT INTO user_account (id, username, display_name, password_hash, is_active, created_dt,"
                       " notify_by_email, must_change_password) VALUES (1, 'u', 'U', 'x', 1, CURRENT_TIMESTAMP, 1, 0)"))
        c.execute(text("UPDATE user_account SET locale = 'en'"))
        assert c.execute(text("SELECT auth_version FROM user_account")).scalar_one() == 1
    db.metadata.drop_all(engine)
    assert not inspect(engine).get_table_names()
    engine.dispose()
