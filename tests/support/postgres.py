"""A throwaway PostgreSQL server on a free loopback port, for the test suite and benchmarks."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass


class PostgresUnavailable(RuntimeError):
    """initdb/pg_ctl are missing or the server would not start."""


@dataclass
class PostgresServer:
    """A running server; `url` points at an empty database."""

    url: str
    data_dir: str
    _prefix: list[str]
    _pg_ctl: str

    def stop(self) -> None:
        """Stop the server and delete its files."""
        subprocess.run([*self._prefix, self._pg_ctl, "-D", self.data_dir, "-m", "immediate", "-w", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(os.path.dirname(self.data_dir), ignore_errors=True)


def _binary(name: str) -> str | None:
    """Find a PostgreSQL program on the PATH or in Debian's versioned directories."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_postgres(database: str = "sanji_test") -> PostgresServer:
    """initdb + pg_ctl start (as the postgres user when run as root); create `database`."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise PostgresUnavailable("initdb/pg_ctl not found (install the postgresql package)")
    base = tempfile.mkdtemp(prefix="sanji-pg-")
    data_dir, socket_dir = os.path.join(base, "data"), os.path.join(base, "sock")
    os.makedirs(socket_dir)
    prefix: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root.
        subprocess.run(["chown", "-R", "postgres:postgres", base], check=True)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    steps = [
        [*prefix, initdb, "-D", data_dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
        [*prefix, pg_ctl, "-D", data_dir, "-l", os.path.join(base, "server.log"), "-w", "-t", "60", "-o",
         f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
         f"-c full_page_writes=off -c max_connections=200", "start"],
    ]
    for command in steps:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            log = _read(os.path.join(base, "server.log"))
            raise PostgresUnavailable(f"{' '.join(command[:3])} failed: {result.stderr or result.stdout}\n{log}")
    server = PostgresServer(f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}", data_dir, prefix, pg_ctl)
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    return server


def _read(path: str) -> str:
    """A log file's text, or nothing."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-4000:]
    except OSError:
        return ""
