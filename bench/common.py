"""Shared by the benchmark scripts: machine description, timing statistics, databases, results.

Every script imports this module first (it puts the project root on `sys.path`), measures,
prints its figures and calls `save_result(name, payload)`, which writes
`bench/results/<name>.json` with the machine's description and load average.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.postgres import PostgresServer, start_postgres  # noqa: E402

# Production-like durability for the throwaway server (the test suite runs without fsync).
DURABLE_SETTINGS = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "shared_buffers": "512MB",
    "work_mem": "16MB",
    "effective_cache_size": "4GB",
    "random_page_cost": "1.1",
}


def arguments(description: str, extra: list[tuple[str, dict]] = ()) -> argparse.Namespace:
    """The options every script understands (`--quick` for a smoke run at small sizes), plus `extra`."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the script works, figures mean little")
    for name, options in extra:
        parser.add_argument(name, **options)
    # `make bench` passes BENCH_ARGS to every script: ignore options meant for another one.
    arguments, _unknown = parser.parse_known_args()
    return arguments


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages (other people share this machine)."""
    return [round(value, 2) for value in os.getloadavg()]


def machine_description(database_version: str | None = None) -> dict:
    """CPU, memory, OS, Python and database versions, and the load right now."""
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gb": round(_meminfo_kb("MemTotal") / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()} ({_os_name()})",
        "python": platform.python_version(),
        "postgresql": database_version,
        "sqlite": _sqlite_version(),
        "load_average": load_average(),
    }


def _cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _meminfo_kb(key: str) -> int:
    """A /proc/meminfo value in kB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _os_name() -> str:
    """PRETTY_NAME from /etc/os-release."""
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return "unknown"


def _sqlite_version() -> str:
    """The SQLite library Python links against."""
    import sqlite3

    return sqlite3.sqlite_version


def rss_mb() -> dict:
    """This process's resident memory now and at its peak, in MB (Linux /proc)."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, amount = line.split(":", 1)
            values["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = round(int(amount.split()[0]) / 1024, 1)
    return values


def summary(samples_s: list[float]) -> dict:
    """Median, p95, mean, min and max of timings given in seconds, reported in milliseconds."""
    ordered = sorted(samples_s)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(percentile(ordered, 95) * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "min_ms": round(ordered[0] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def percentile(ordered: list[float], p: float) -> float:
    """The p-th percentile of sorted values (linear interpolation between closest ranks)."""
    if not ordered:
        raise ValueError("no samples")
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@contextmanager
def stopwatch(samples: list[float]):
    """Append the wall time of the block (seconds) to `samples`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        samples.append(time.perf_counter() - started)


def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    """'met' or 'MISSED' for printing and the JSON."""
    met = value <= target if lower_is_better else value >= target
    return "met" if met else "MISSED"


def postgres_cpu_seconds(server: PostgresServer) -> float | None:
    """CPU seconds (user + system) the throwaway PostgreSQL has used so far: the postmaster, what it
    reaped of its finished backends, and its live backends; None where /proc cannot tell."""
    try:
        postmaster = int(Path(server.data_dir, "postmaster.pid").read_text().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, parent = int(entry.name), int(fields[1])
            if pid == postmaster:
                total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
            elif parent == postmaster:
                total += int(fields[11]) + int(fields[12])
        return total / ticks
    except (OSError, ValueError, IndexError):
        return None


def start_bench_postgres(database: str = "sanji_bench") -> tuple[PostgresServer, dict]:
    """The test suite's throwaway server, restarted with durable, production-like settings."""
    server = start_postgres(database)
    port = server.url.rsplit(":", 1)[1].split("/")[0]
    base = os.path.dirname(server.data_dir)
    pg_ctl = [*server._prefix, server._pg_ctl, "-D", server.data_dir, "-w", "-t", "60"]
    subprocess.run([*pg_ctl, "-m", "fast", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    options = " ".join(f"-c {name}={value}" for name, value in DURABLE_SETTINGS.items())
    subprocess.run(
        [*pg_ctl, "-l", os.path.join(base, "server.log"), "-o",
         f"-p {port} -k {os.path.join(base, 'sock')} -c listen_addresses=127.0.0.1 -c max_connections=200 {options}", "start"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
    )
    import psycopg

    with psycopg.connect(_admin_dsn(server), autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in DURABLE_SETTINGS}
    return server, {"version": f"PostgreSQL {version}", "settings": settings}


def _admin_dsn(server: PostgresServer) -> str:
    """A libpq connection string for the server's maintenance database."""
    port = server.url.rsplit(":", 1)[1].split("/")[0]
    return f"host=127.0.0.1 port={port} user=postgres dbname=postgres"


def make_app(database_url: str, instance_dir: str | None = None, migrate: bool = True):
    """The real application on `database_url`, migrated to the newest schema."""
    from webapp import create_app

    instance = Path(instance_dir or tempfile.mkdtemp(prefix="sanji-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench-secret",
            "WTF_CSRF_ENABLED": False,
            "INSTANCE_DIR": instance,
            "EVIDENCE_DIR": instance / "evidence",
        }
    )
    if migrate:
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
    return app


def sqlite_url(directory: str | None = None) -> str:
    """A fresh SQLite database file."""
    directory = directory or tempfile.mkdtemp(prefix="sanji-bench-sqlite-")
    return f"sqlite:///{Path(directory) / 'bench.sqlite3'}"


def generate_in_subprocess(database_url: str, size: str, seed: int = 1, prefix: str = "g") -> float:
    """Run `flask generate-population` in its own process (the app process stays lean); return seconds."""
    environment = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_DIR": tempfile.mkdtemp(prefix="sanji-gen-")}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "webapp:create_app", "generate-population", "--size", size, "--seed", str(seed),
         "--prefix", prefix],
        cwd=ROOT, env=environment, check=True,
    )
    return time.perf_counter() - started


def trim_profile(text: str) -> str:
    """Shorten file paths in a pstats listing."""
    lines = (re.sub(r"\S*site-packages/", "", line.replace(str(ROOT) + "/", "")) for line in text.splitlines())
    return "\n".join(line for line in lines if line.strip())


def save_result(name: str, payload: dict, database_version: str | None = None) -> Path:
    """Write `bench/results/<name>.json` with the machine description and the load now."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": name,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": "make bench  (or: .venv/bin/python bench/%s.py)" % name,
        "machine": machine_description(database_version),
        **payload,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nsaved {path.relative_to(ROOT)}  (load average now {document['machine']['load_average']})")
    return path


def time_by_library(profiler, top: int = 12) -> dict[str, float]:
    """Self time of a cProfile run grouped by where the code lives (seconds), the largest `top`."""
    groups: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in pstats.Stats(profiler).stats.items():
        group = _library_of(filename, name)
        groups[group] = groups.get(group, 0.0) + tottime
    ordered = sorted(groups.items(), key=lambda item: -item[1])[:top]
    return {key: round(value, 3) for key, value in ordered}


def _library_of(filename: str, name: str) -> str:
    """'sqlalchemy', 'SpiffWorkflow', 'webapp', … for a profiled function."""
    for library in ("sqlalchemy", "SpiffWorkflow", "psycopg", "jinja2", "jsonschema", "referencing", "flask_babel",
                    "flask", "werkzeug", "babel", "json", "uuid", "copy", "ast"):
        if f"/{library}/" in filename or filename.endswith(f"/{library}.py"):
            return library
    if "/webapp/" in filename or "/handlers/" in filename:
        return "webapp (ours)"
    if filename == "~":
        if "sqlite3" in name:
            return "sqlite3 (C)"
        if "psycopg" in name or "pq" in name:
            return "psycopg (C)"
        return "builtins and C extensions"
    return "other python"
