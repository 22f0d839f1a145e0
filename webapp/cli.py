"""Command-line tasks: `flask demo-data`, `flask generate-population`, `flask check-files`, `flask advance-timers`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from .extensions import db


def register_cli(app: Flask) -> None:
    """Attach the commands to the app's CLI."""

    @app.cli.command("demo-data")
    @click.option("--if-empty", is_flag=True, help="Only load when the database has no users yet.")
    def demo_data(if_empty: bool) -> None:
        """Load the demo organisation, people and open calls, and print the logins."""
        from .demo import DEMO_PASSWORD, add_second_county, build_demo, publish_demo_variant
        from .models import User

        if if_empty and db.session.scalar(select(func.count(User.id))):
            click.echo("Database already has users; demo data not loaded.")
            _print_logins()
            return
        logins = build_demo()
        second = add_second_county()
        publish_demo_variant(second)
        from .demo_rotation import build_rotation_demo

        build_rotation_demo(logins)
        db.session.commit()
        from .demo_review import seed_reported_lists

        seed_reported_lists(current_app.extensions["workflow_engine"], current_app.extensions["form_library"])
        db.session.commit()
        from .demo_training import build_training_demo

        build_training_demo(current_app.extensions["workflow_engine"])
        db.session.commit()
        from .demo_annual import seed_annual_review

        seed_annual_review(current_app.extensions["workflow_engine"], current_app.extensions["form_library"])
        db.session.commit()
        from .demo_people import seed_titles

        seed_titles()
        db.session.commit()
        from .demo_city import build_city_demo

        build_city_demo(logins)
        db.session.commit()
        click.echo(f"Demo data loaded. Password for every demo user: {DEMO_PASSWORD}")
        for username, role, org in logins.rows:
            click.echo(f"  {username:<10} {role:<18} {org}")
        click.echo(f"  {'sqpa':<10} {'process_admin':<18} {second.name} (its vote rules are a published variant)")

    @app.cli.command("generate-population")
    @click.option("--size", type=click.Choice(["small", "county", "province"]), default="county", show_default=True)
    @click.option("--prefix", default="g", show_default=True, help="Keeps generated usernames and codes apart.")
    @click.option("--seed", default=1, show_default=True)
    def generate_population_command(size: str, prefix: str, seed: int) -> None:
        """Add a generated population (cities, counties, schools, staff, teachers, open calls).

        It goes under the existing province (the demo's) if there is one.
        """
        import time

        from .generator import SIZES, generate_population
        from .models import Organisation, OrgKind

        province = db.session.scalar(select(Organisation).filter_by(kind=OrgKind.province).order_by(Organisation.id))
        started = time.perf_counter()
        population = generate_population(SIZES[size], seed=seed, prefix=prefix, province=province)
        db.session.commit()
        click.echo(
            f"Generated {len(population.county_ids)} counties, {len(population.school_ids)} schools and "
            f"{len(population.teacher_ids)} teachers in {time.perf_counter() - started:.1f} s "
            f"(logins such as {prefix}t000001, {prefix}s1admin, {prefix}c1county_office)."
        )

    @app.cli.command("check-files")
    def check_files() -> None:
        """Parse every diagram, decision table, form and the reminder and event policies; print errors with file and line."""
        errors = current_app.extensions["workflow_engine"].library.errors
        form_errors = current_app.extensions["form_library"].check_all()
        policy_errors = []
        for name in ("reminder_policy", "event_policy"):
            source = current_app.extensions[name]
            source.current()
            policy_errors += source.errors
        for error in [*errors, *form_errors, *policy_errors]:
            click.echo(str(error), err=True)
        if errors or form_errors or policy_errors:
            raise SystemExit(1)
        click.echo("All workflow and form files are valid.")

    @app.cli.command("advance-timers")
    def advance_timers() -> None:
        """Fire every BPMN timer that is due now (one transaction per instance)."""
        from .workflow.timer_jobs import advance_due_timers

        click.echo(f"Advanced {advance_due_timers(current_app.extensions['workflow_engine'])} instances.")

    @app.cli.command("fast-forward-timers")
    @click.argument("instance_ids", nargs=-1, type=int, required=True)
    def fast_forward_timers(instance_ids: tuple[int, ...]) -> None:
        """For demonstrations: let the named instances' timers fall due now and fire them."""
        from .models import ProcessInstance
        from .workflow.fast_forward import make_timers_due
        from .workflow.timer_jobs import advance_due_timers

        for instance_id in instance_ids:
            instance = db.session.get(ProcessInstance, instance_id)
            if instance is None:
                raise click.ClickException(f"no instance {instance_id}")
            click.echo(f"instance {instance_id}: {make_timers_due(instance)} timer(s) moved to now")
        db.session.commit()
        click.echo(f"Advanced {advance_due_timers(current_app.extensions['workflow_engine'])} instances.")


def _print_logins() -> None:
    """Remind the person running `make run` how to log in."""
    from .demo import DEMO_PASSWORD

    click.echo(f"Demo logins (password {DEMO_PASSWORD}): admin, county, hypa (process administrator of 汉阴县), sqpa (of 石泉县), s1admin, s1c1-s1c3 (committee), t001 t004 t007 t010 t013 (teachers of school 1, eligible for backbone), t002 (too old for academic leader), t003, city cityleader cityresearch cityexpert1-cityexpert3 (the city review)")
