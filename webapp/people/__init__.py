"""Running a bureau for real: the organisation tree, users and role grants on pages (`pages.py`,
`orgs.py`, `users.py`, who manages what in `access.py`), the Excel import of teachers in the
background (`importing/`), reports with .xlsx export and charts (`reports/`), and the JSON API
with per-user tokens (`api.py`, `tokens.py`, `openapi.py`).

`register_people(app)` mounts it all; it sits above the processes (reports read their tables).
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def register_people(app: Flask) -> None:
    """Blueprints, the forced password change, and the navigation entries."""
    from ..extensions import csrf
    from ..processes import NavEntry, Process
    from . import account, api, importing, models, pages, reports  # noqa: F401  (routes and tables)
    from .access import may_use_people_pages
    from .blueprint import api as api_bp, bp
    from .reports.access import may_see_reports

    app.register_blueprint(bp)
    _register_cli(app)
    csrf.exempt(api_bp)  # token-authenticated, read only
    app.register_blueprint(api_bp)
    app.before_request(account.force_password_change)
    from ..roles import Role
    from .labels import grant_action_label, org_kind_label

    from ..titles import call_title

    app.jinja_env.globals.update(org_kind_label=org_kind_label, grant_action_label=grant_action_label,
                                 call_title=call_title)
    app.jinja_env.filters["role_label"] = lambda value: Role(value).label
    # The navigation bar lists what declared processes offer; these pages join it the same way.
    app.extensions.setdefault("processes", []).append(Process(
        process_id="people_administration",
        navigation=(
            NavEntry("people.index", _l("Organisations and people"), may_use_people_pages, "nav-people", order=60),
            NavEntry("people.reports", _l("Reports"), may_see_reports, "nav-reports", order=61),
        ),
    ))


def _register_cli(app: Flask) -> None:
    """`flask people-sample-sheet COUNTY_CODE OUT.xlsx`: the template filled with made-up teachers."""
    import click

    @app.cli.command("people-sample-sheet")
    @click.argument("county_code")
    @click.argument("output", type=click.Path(dir_okay=False, writable=True))
    @click.option("--rows", default=200, show_default=True)
    def sample_sheet_command(county_code: str, output: str, rows: int) -> None:
        """Write the teachers' template filled with ROWS made-up teachers of the county's schools."""
        from sqlalchemy import select

        from ..demo_people import sample_sheet
        from ..extensions import db
        from ..models import Organisation

        county = db.session.scalar(select(Organisation).filter_by(code=county_code))
        if county is None:
            raise click.ClickException(f"no organisation with code {county_code}")
        with open(output, "wb") as stream:
            stream.write(sample_sheet(county, rows))
        click.echo(f"{output}: {rows} teachers of {county.name}'s schools")
