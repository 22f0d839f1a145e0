"""The Flask application: `create_app(config)` wires extensions, the engine and the blueprints."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from .config import PROJECT_ROOT, Config, engine_options
from .extensions import babel, csrf, db, login_manager, migrate


def create_app(config: Config | dict[str, Any] | None = None) -> Flask:
    """Build an app; `config` overrides the environment-derived settings (tests pass a dict)."""
    app = Flask(__name__)
    base = Config()
    app.config.from_object(base)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    if not (isinstance(config, dict) and "SQLALCHEMY_ENGINE_OPTIONS" in config):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])

    _init_extensions(app)
    _init_security(app)
    _init_engine(app)
    _register_blueprints(app)
    _register_cli(app)
    _start_scheduler(app)
    return app


def forget_cached_rows(app: Flask) -> None:
    """Forget what this process keeps of database rows (tests empty the database between cases)."""
    from .auth.cache import forget_cached_users
    from .calendar import forget_cached_calendar

    from .definitions.sets import forget as forget_definitions

    app.extensions["workflow_engine"].forget_versions()
    forget_definitions(app)
    app.extensions.pop("org_kind_cache", None)
    forget_cached_calendar(app)
    forget_cached_users(app)


def _init_extensions(app: Flask) -> None:
    """Bind the extensions and the hooks they need."""
    from . import models  # noqa: F401  (tables must be known before migrations or queries)
    from .i18n import select_locale, select_timezone
    from .auth import load_user

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_active_user(user_id: str):
        """Flask-Login: the logged-in user, if still active."""
        user = load_user(int(user_id))
        return user if user is not None and user.is_active else None

    _sqlite_pragmas(app)


def _sqlite_pragmas(app: Flask) -> None:
    """SQLite: enforce foreign keys and let readers run beside a writer (WAL)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()


def _init_security(app: Flask) -> None:
    """Proxy headers, security headers on every response, login throttling."""
    from .security import install_security

    install_security(app)


def _init_engine(app: Flask) -> None:
    """One workflow engine and one form library per app; the engine checks the forms tasks name."""
    from .engine.limits import EngineLimits
    from .engine.registry import Registry
    from .engine.runtime import WorkflowEngine
    from .forms import FormLibrary
    from .notifications.event_policy import EventPolicy, parse_events
    from .notifications.events import announces
    from .notifications.policy import PolicySource
    from .notifications.reminders import first_reminder_dt

    forms = FormLibrary(app.config["FORMS_DIR"])
    app.extensions["form_library"] = forms
    registry = Registry(first_reminder=first_reminder_dt, announces=announces)
    app.extensions["workflow_engine"] = WorkflowEngine(
        app.config["WORKFLOWS_DIR"], registry, limits=EngineLimits.from_config(app.config), form_checker=forms.problem
    )
    app.extensions["reminder_policy"] = PolicySource(
        app.config.get("REMINDER_POLICY_FILE") or Path(app.config["WORKFLOWS_DIR"]) / "reminders.json"
    )
    app.extensions["event_policy"] = PolicySource(
        app.config.get("EVENT_POLICY_FILE") or Path(app.config["WORKFLOWS_DIR"]) / "events.json",
        parse_events, EventPolicy,
    )
    from .definitions.sets import default_policy_path, install, policy_has_variants, policy_variant_path

    install(app)
    app.extensions["reminder_policy"].published_path = default_policy_path
    app.extensions["reminder_policy"].variant_path = policy_variant_path
    app.extensions["reminder_policy"].has_variants = policy_has_variants


def _register_blueprints(app: Flask) -> None:
    """Mount every page group, every declared process (`webapp/processes/`) and the error handlers."""
    from .admin.blueprint import bp as admin_bp
    from .auth.blueprint import bp as auth_bp
    from .editor import migrations, preview, versions  # noqa: F401  (their views join the editor's blueprint)
    from .editor.pages import bp as editor_bp
    from .workflow import diagram  # noqa: F401  (the instance diagram joins the workflow blueprint)
    from .errors import register_error_handlers
    from .evidence.blueprint import bp as evidence_bp
    from .imports import register_imports
    from .labels import register_template_helpers
    from .navigation import inject_navigation
    from .notifications.blueprint import bp as notifications_bp
    from .processes import discover, register_processes
    from .workflow.blueprint import bp as workflow_bp

    for blueprint in (auth_bp, workflow_bp, evidence_bp, admin_bp, notifications_bp, editor_bp):
        app.register_blueprint(blueprint)
    register_imports(app)
    register_processes(app, discover())
    from .people import register_people

    register_people(app)
    register_error_handlers(app)
    register_template_helpers(app)
    app.context_processor(inject_navigation)


def _register_cli(app: Flask) -> None:
    """`flask demo-data`, `flask check-files`, `flask scheduler`, …"""
    from .cli import register_cli
    from .scheduler.cli import register_scheduler_cli

    register_cli(app)
    register_scheduler_cli(app)


def _start_scheduler(app: Flask) -> None:
    """Embed the scheduler when this process is `flask run`'s server (see `should_embed`)."""
    from .scheduler import start_embedded

    start_embedded(app)


