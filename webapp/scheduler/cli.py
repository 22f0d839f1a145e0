"""`flask scheduler`: run the scheduler as its own process (deployments), or every job once."""
from __future__ import annotations

import logging
import signal
import threading

import click
from flask import Flask, current_app


def register_scheduler_cli(app: Flask) -> None:
    """Attach `flask scheduler` to the app's CLI."""

    @app.cli.command("scheduler")
    @click.option("--once", is_flag=True, help="Run every job once, print what happened, and exit.")
    def scheduler_command(once: bool) -> None:
        """Run the scheduler (timers, reminders, e-mail) until stopped with Ctrl-C or SIGTERM."""
        from . import build_scheduler
        from .jobs import all_jobs
        from .runner import JobRunner

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)  # not a line per run
        app_object = current_app._get_current_object()
        if once:
            runner = JobRunner(app_object)
            for spec in all_jobs(app_object):
                click.echo(f"{spec.name}: {runner.run(spec, scheduled=False)}")
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        scheduler = build_scheduler(app_object, first_run_in=0.5)
        scheduler.start()
        click.echo(f"Scheduler {scheduler.runner.runner_id} running; stop with Ctrl-C.")
        while not stop.wait(1):
            pass
        scheduler.shutdown(wait=True)
        click.echo("Scheduler stopped.")
