"""The APScheduler that runs the jobs: embedded in `flask run`, or its own process (`flask scheduler`).

Any number of schedulers may run against one database: every job claims its work through the
database (see `records.Lease` and the jobs' claim queries), never through process memory.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from flask.helpers import get_debug_flag

from .runner import JobRunner

log = logging.getLogger(__name__)


def build_scheduler(app: Flask, runner_id: str | None = None, first_run_in: float = 2.0) -> BackgroundScheduler:
    """A scheduler (not started) with every job, each run in its own app context by a JobRunner."""
    from .jobs import all_jobs

    jobs = all_jobs(app)
    runner = JobRunner(app, runner_id)
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=len(jobs))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=timezone.utc,
    )
    first = datetime.now(timezone.utc) + timedelta(seconds=first_run_in)
    for spec in jobs:
        scheduler.add_job(
            runner.run, "interval", args=(spec,), seconds=spec.interval(app),
            id=spec.name, name=spec.name, next_run_time=first, replace_existing=True,
        )
        runner.register(spec, first)
    scheduler.runner = runner  # for tests and the CLI's log line
    return scheduler


def should_embed(app: Flask) -> bool:
    """Start inside this process? Only in `flask run`'s serving process, and only when enabled.

    Not under gunicorn or any other command (no `run` command is executing), not in tests, and
    not in the reloader's watcher process (which serves nothing and restarts the child).
    """
    if not app.config.get("SCHEDULER_ENABLED") or app.testing:
        return False
    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run":
        return False
    reload = context.params.get("reload")
    if reload is None:
        reload = get_debug_flag()
    return not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def start_embedded(app: Flask) -> BackgroundScheduler | None:
    """Start the scheduler in this process if `should_embed` says so."""
    if not should_embed(app):
        return None
    import atexit

    scheduler = build_scheduler(app)
    scheduler.start()
    atexit.register(lambda: scheduler.shutdown(wait=False))
    app.extensions["scheduler"] = scheduler
    log.info("scheduler started inside the web process (%s)", scheduler.runner.runner_id)
    return scheduler
