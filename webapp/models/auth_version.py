"""`user_account.auth_version`: the stamp that says a cached copy of a user is stale.

Each process keeps the logged-in users with their roles, the roles' organisations and their
teacher profile (`webapp/auth/cache.py`) and, on every request, reads only this stamp. So every
change to what that copy holds must move the stamp, whatever wrote it: the ORM, a Core
`update()`/`delete()`, an import's COPY, raw SQL in a shell. Database triggers do it:

- `role_assignment` insert, update, delete: the user(s) of the old and new rows;
- `teacher_profile` insert, update, delete: its user (old and new);
- `organisation` update: every user holding a role there or with a teacher profile at that school;
- `user_account` update of anything but the stamp itself: that user.

PostgreSQL: statement-level triggers over transition tables (a COPY of 40,000 role rows is one
set-based UPDATE, not 40,000), an organisation update only counts when the row really changed,
and a BEFORE UPDATE row trigger on `user_account` raises the stamp in the row being written when
the statement left it alone (so the bump sent by the other triggers, which sets it, is not bumped
again). SQLite: row triggers; `user_account`'s is an AFTER UPDATE with `WHEN NEW.auth_version =
OLD.auth_version`, so it covers columns added later and its own UPDATE does not fire it again
(SQLite's recursive triggers are off, and the WHEN is false for that UPDATE anyway).

Migration 0026 creates them through `create_auth_triggers`, and so does `db.metadata.create_all`
(the `after_create` hook at the bottom); changing them means a new migration that drops and
re-creates them. On SQLite, a later migration that rebuilds one of these four tables with
`batch_alter_table` must call `drop_auth_triggers` before and `create_auth_triggers` after: the
rebuild drops the table's own triggers, and SQLite refuses to rename the rebuilt table while
another table's trigger names it.
"""
from __future__ import annotations

from sqlalchemy import event

from ..extensions import db

_POSTGRESQL_CREATE = [
    """
    CREATE FUNCTION auth_version_keep_fresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.auth_version IS NOT DISTINCT FROM OLD.auth_version THEN
            NEW.auth_version := OLD.auth_version + 1;
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER auth_version_user_account BEFORE UPDATE ON user_account
    FOR EACH ROW EXECUTE FUNCTION auth_version_keep_fresh()
    """,
    # One function for role_assignment and teacher_profile: both have a user_id column.
    """
    CREATE FUNCTION auth_version_bump_holders() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE user_account SET auth_version = auth_version + 1
            WHERE id IN (SELECT user_id FROM new_rows);
        ELSIF TG_OP = 'UPDATE' THEN
            UPDATE user_account SET auth_version = auth_version + 1
            WHERE id IN (SELECT user_id FROM old_rows UNION SELECT user_id FROM new_rows);
        ELSE
            UPDATE user_account SET auth_version = auth_version + 1
            WHERE id IN (SELECT user_id FROM old_rows);
        END IF;
        RETURN NULL;
    END $$
    """,
    *[
        statement
        for table in ("role_assignment", "teacher_profile")
        for statement in (
            f"""CREATE TRIGGER auth_version_{table}_insert AFTER INSERT ON {table}
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION auth_version_bump_holders()""",
            f"""CREATE TRIGGER auth_version_{table}_update AFTER UPDATE ON {table}
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION auth_version_bump_holders()""",
            f"""CREATE TRIGGER auth_version_{table}_delete AFTER DELETE ON {table}
            REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION auth_version_bump_holders()""",
        )
    ],
    """
    CREATE FUNCTION auth_version_bump_members() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE user_account SET auth_version = auth_version + 1
        WHERE id IN (
            SELECT role_assignment.user_id FROM role_assignment
            JOIN new_rows ON role_assignment.org_id = new_rows.id
            JOIN old_rows ON old_rows.id = new_rows.id
            WHERE (old_rows.*) IS DISTINCT FROM (new_rows.*)
            UNION
            SELECT teacher_profile.user_id FROM teacher_profile
            JOIN new_rows ON teacher_profile.school_id = new_rows.id
            JOIN old_rows ON old_rows.id = new_rows.id
            WHERE (old_rows.*) IS DISTINCT FROM (new_rows.*)
        );
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER auth_version_organisation AFTER UPDATE ON organisation
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION auth_version_bump_members()
    """,
]

_POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS auth_version_organisation ON organisation",
    *[f"DROP TRIGGER IF EXISTS auth_version_{table}_{op} ON {table}"
      for table in ("role_assignment", "teacher_profile") for op in ("insert", "update", "delete")],
    "DROP TRIGGER IF EXISTS auth_version_user_account ON user_account",
    "DROP FUNCTION IF EXISTS auth_version_bump_members()",
    "DROP FUNCTION IF EXISTS auth_version_bump_holders()",
    "DROP FUNCTION IF EXISTS auth_version_keep_fresh()",
]

_TABLES = {"user_account", "role_assignment", "teacher_profile", "organisation"}
_BUMP = "UPDATE user_account SET auth_version = auth_version + 1 WHERE id"

_SQLITE_CREATE = [
    f"""CREATE TRIGGER auth_version_user_account AFTER UPDATE ON user_account
    WHEN NEW.auth_version = OLD.auth_version
    BEGIN {_BUMP} = NEW.id; END""",
    *[
        statement
        for table in ("role_assignment", "teacher_profile")
        for statement in (
            f"CREATE TRIGGER auth_version_{table}_insert AFTER INSERT ON {table} BEGIN {_BUMP} = NEW.user_id; END",
            f"""CREATE TRIGGER auth_version_{table}_update AFTER UPDATE ON {table}
            BEGIN {_BUMP} IN (OLD.user_id, NEW.user_id); END""",
            f"CREATE TRIGGER auth_version_{table}_delete AFTER DELETE ON {table} BEGIN {_BUMP} = OLD.user_id; END",
        )
    ],
    f"""CREATE TRIGGER auth_version_organisation AFTER UPDATE ON organisation
    BEGIN {_BUMP} IN (
        SELECT user_id FROM role_assignment WHERE org_id IN (OLD.id, NEW.id)
        UNION SELECT user_id FROM teacher_profile WHERE school_id IN (OLD.id, NEW.id)
    ); END""",
]

_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS auth_version_organisation",
    *[f"DROP TRIGGER IF EXISTS auth_version_{table}_{op}"
      for table in ("role_assignment", "teacher_profile") for op in ("insert", "update", "delete")],
    "DROP TRIGGER IF EXISTS auth_version_user_account",
]


def _statements(dialect_name: str, create: bool) -> list[str]:
    if dialect_name == "postgresql":
        return _POSTGRESQL_CREATE if create else _POSTGRESQL_DROP
    if dialect_name == "sqlite":
        return _SQLITE_CREATE if create else _SQLITE_DROP
    raise NotImplementedError(f"no auth_version triggers for {dialect_name}: the user cache would go stale")


def create_auth_triggers(connection) -> None:
    """Create the triggers that keep `user_account.auth_version` moving (PostgreSQL or SQLite)."""
    for statement in _statements(connection.dialect.name, create=True):
        connection.exec_driver_sql(statement)


def drop_auth_triggers(connection) -> None:
    """Drop them (and PostgreSQL's trigger functions)."""
    for statement in _statements(connection.dialect.name, create=False):
        connection.exec_driver_sql(statement)


@event.listens_for(db.metadata, "after_create")
def _after_create_all(_metadata, connection, tables=(), **_kw) -> None:
    """`create_all` builds tables from the models: the triggers must exist there too."""
    if _TABLES <= {table.name for table in tables}:
        create_auth_triggers(connection)


@event.listens_for(db.metadata, "before_drop")
def _before_drop_all(_metadata, connection, tables=(), **_kw) -> None:
    if {table.name for table in tables} & _TABLES:
        drop_auth_triggers(connection)
