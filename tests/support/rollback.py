"""Run requests whose writes are all undone afterwards, so many probes can share one set of data.

Every request's session joins one outer transaction through a SAVEPOINT: the app commits and
rolls back as usual (a commit releases the savepoint), and at the end the outer transaction is
rolled back. SQLite's Python driver starts transactions lazily and would let the first SAVEPOINT
begin (and its RELEASE commit) the real transaction, so on SQLite the connection is switched to
explicit BEGIN for the duration (the SQLAlchemy documentation's pysqlite recipe).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from webapp import forget_cached_rows
from webapp.extensions import db


def _begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


@contextmanager
def rolled_back(app: Flask, forget_caches: bool = True) -> Iterator[None]:
    """Everything written to the database inside the block is gone after it.

    `forget_caches=False` for blocks that only read (GET requests): nothing new can have been cached.
    """
    with app.app_context():
        db.session.remove()
        engines = db.engines
        engine = engines[None]
    connection = engine.connect()
    driver = connection.connection.driver_connection
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        isolation = driver.isolation_level
        driver.isolation_level = None
        event.listen(connection, "begin", _begin)
    outer = connection.begin()
    factory = db.session.session_factory
    had_mode, join_mode = "join_transaction_mode" in factory.kw, factory.kw.get("join_transaction_mode")
    engines[None] = connection
    factory.configure(join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
        engines[None] = engine
        if had_mode:
            factory.configure(join_transaction_mode=join_mode)
        else:
            factory.kw.pop("join_transaction_mode", None)
        outer.rollback()
        if sqlite:
            event.remove(connection, "begin", _begin)
            driver.isolation_level = isolation
        connection.close()
        if forget_caches:
            # Rows the block created may have been cached (process versions, organisation levels).
            forget_cached_rows(app)
