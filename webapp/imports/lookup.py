"""Rows matching many values (an import's identity numbers, user names, user ids) in few statements.

An IN list is bound value by value: on PostgreSQL, psycopg rewrites a statement of 900 placeholders
each time, which cost seconds for 40,000 values. There one array parameter (`= ANY(:values)`) takes
20,000 values at once; SQLite keeps IN lists of 900 (its limit on bound parameters).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from ..extensions import db

IN_LIST = 900
ARRAY_SIZE = 20_000


def matching(column, values: Sequence) -> Iterator:
    """Conditions that together select the rows whose `column` is one of `values`."""
    values = list(values)
    if db.engine.dialect.name == "postgresql":
        for start in range(0, len(values), ARRAY_SIZE):
            chunk = values[start:start + ARRAY_SIZE]
            yield column == any_(bindparam(None, chunk, type_=ARRAY(column.type)))
    else:
        for start in range(0, len(values), IN_LIST):
            yield column.in_(values[start:start + IN_LIST])
