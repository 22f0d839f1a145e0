"""Insert many rows in the caller's transaction, as fast as the database takes them.

On PostgreSQL, COPY: SQLAlchemy's multi-row INSERTs of a thousand rows each are statements of
several thousand placeholders, and psycopg re-parses every one of them (its statement cache keeps
only short ones): 40,000 teachers' rows spent most of their apply there. COPY streams the rows
instead. Each value goes through its column type's own bind processing first (enums to their
names, JSON to text, aware datetimes to UTC), so what is stored is what an INSERT would store;
Python-side column defaults are filled in the same way. SQLite takes a plain executemany.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, insert

from ..extensions import db


def insert_rows(target, rows: Sequence[dict], chunk: int = 5000) -> None:
    """Insert `rows` into `target`, a model (rows keyed by attribute) or a table (keyed by column
    name); nothing is returned or committed."""
    if not rows:
        return
    session = db.session
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), chunk):
            session.execute(insert(target), rows[start:start + chunk])
        return
    dialect = connection.dialect
    table: Table = target if isinstance(target, Table) else target.__table__
    keys = list(rows[0])
    column_of = ({key: table.c[key] for key in keys} if isinstance(target, Table) else
                 {prop.key: prop.columns[0] for prop in target.__mapper__.column_attrs if prop.key in keys})
    names = [column_of[key].name for key in keys]
    if any(c.default is not None and c.default.is_clause_element for c in table.columns if c.name not in names):
        session.execute(insert(target), rows)  # a default computed by SQL: leave it to INSERT
        return
    filled = [c for c in table.columns if c.name not in names and c.default is not None and c.default.is_scalar is False
              and c.default.is_callable]
    scalar_defaults = {c.name: c.default.arg for c in table.columns
                       if c.name not in names and c.default is not None and c.default.is_scalar}
    columns = [table.c[name] for name in names] + filled + [table.c[name] for name in scalar_defaults]
    processors = [column.type._cached_bind_processor(dialect) for column in columns]
    statement = f'COPY {dialect.identifier_preparer.format_table(table)} ({", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)}) FROM STDIN'
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row[key] for key in keys]
            values += [column.default.arg(None) for column in filled]
            values += list(scalar_defaults.values())
            copy.write_row([value if process is None or value is None else process(value)
                            for value, process in zip(values, processors)])
