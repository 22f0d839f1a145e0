"""Configuration read from environment variables, with embedded defaults for `make run`."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings for a real deployment; every value can be overridden by the environment."""

    def __init__(self) -> None:
        instance_dir = Path(os.environ.get("INSTANCE_DIR", PROJECT_ROOT / "instance"))
        self.INSTANCE_DIR = instance_dir
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret(instance_dir)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance_dir / 'sanji.sqlite3'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.WORKFLOWS_DIR = Path(os.environ.get("WORKFLOWS_DIR", PROJECT_ROOT / "workflows"))
        self.FORMS_DIR = Path(os.environ.get("FORMS_DIR", PROJECT_ROOT / "forms"))
        self.EVIDENCE_DIR = Path(os.environ.get("EVIDENCE_DIR", instance_dir / "evidence"))
        self.EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))
        self.MAX_CONTENT_LENGTH = self.EVIDENCE_MAX_BYTES + 1024 * 1024
        self.BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "zh_Hans_CN")
        self.BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
        # How long a process keeps the holiday calendar before reading it again (edits made in
        # the same process are seen at once; other web workers and the scheduler within this).
        self.CALENDAR_CACHE_SECONDS = int(os.environ.get("CALENDAR_CACHE_SECONDS", 60))
        self.BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "webapp" / "translations")
        self.LANGUAGES = ["zh_Hans_CN", "en"]
        self.INBOX_PAGE_SIZE = int(os.environ.get("INBOX_PAGE_SIZE", 25))
        # Running instances on an older version tried on a copy per look at the migration page
        # (oldest first); every running instance is still checked for being on an older version.
        self.MIGRATION_EXAMINE_LIMIT = int(os.environ.get("MIGRATION_EXAMINE_LIMIT", 200))
        # Limits that keep one diagram from tying up a worker (webapp/engine/limits.py).
        self.MULTI_INSTANCE_MAX = int(os.environ.get("MULTI_INSTANCE_MAX", 500))
        self.TIMER_CYCLE_MIN_SECONDS = int(os.environ.get("TIMER_CYCLE_MIN_SECONDS", 60))
        self.TIMER_CYCLE_MAX_COUNT = int(os.environ.get("TIMER_CYCLE_MAX_COUNT", 100))
        self.ENGINE_MAX_STEPS = int(os.environ.get("ENGINE_MAX_STEPS", 2000))
        self.ENGINE_MAX_SECONDS = float(os.environ.get("ENGINE_MAX_SECONDS", 5))
        self.SCRIPT_CPU_SECONDS = float(os.environ.get("SCRIPT_CPU_SECONDS", 1))
        self.SCRIPT_MEMORY_MB = float(os.environ.get("SCRIPT_MEMORY_MB", 64))
        self.BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
        served_over_https = self.BASE_URL.lower().startswith("https://")
        self.PREFERRED_URL_SCHEME = "https" if served_over_https else "http"
        # Cookies: never readable by script, not sent on cross-site posts, and only over HTTPS
        # when the site is served over HTTPS (BASE_URL https://…, or SESSION_COOKIE_SECURE=1).
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", served_over_https)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        # A login lasts this long after the last request (the cookie is renewed on each one).
        self.PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("SESSION_LIFETIME_MINUTES", 480)))
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
        self.TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))
        self.HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 365 * 24 * 3600))  # sent on HTTPS only
        # Login throttling (Flask-Limiter): failed attempts per account and per client address.
        # `appdb://` keeps the counters in this database, shared by every worker; `redis://…` works too.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "appdb://")
        self.RATELIMIT_STRATEGY = "fixed-window"
        self.LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
        self.LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "50 per 15 minutes")
        self.WTF_CSRF_TIME_LIMIT = None
        # The scheduler runs inside `flask run` (make run) unless turned off; under gunicorn it
        # never does: deployments run `flask scheduler` as a separate process.
        self.SCHEDULER_ENABLED = _env_bool("SCHEDULER_ENABLED", True)
        self.SCHEDULER_TIMER_SECONDS = int(os.environ.get("SCHEDULER_TIMER_SECONDS", 30))
        self.SCHEDULER_REMINDER_SECONDS = int(os.environ.get("SCHEDULER_REMINDER_SECONDS", 60))
        self.SCHEDULER_DELIVERY_SECONDS = int(os.environ.get("SCHEDULER_DELIVERY_SECONDS", 30))
        self.SCHEDULER_LEASE_SECONDS = int(os.environ.get("SCHEDULER_LEASE_SECONDS", 300))
        self.SCHEDULER_JOB_BUDGET_SECONDS = int(os.environ.get("SCHEDULER_JOB_BUDGET_SECONDS", 120))
        self.REMINDER_POLICY_FILE = os.environ.get("REMINDER_POLICY_FILE") or None
        self.EVENT_POLICY_FILE = os.environ.get("EVENT_POLICY_FILE") or None
        self.SMTP_HOST = os.environ.get("SMTP_HOST", "")
        self.SMTP_PORT = int(os.environ.get("SMTP_PORT", 587))
        self.SMTP_SECURITY = _smtp_security(os.environ.get("SMTP_SECURITY", "starttls"))
        self.SMTP_USERNAME = os.environ.get("SMTP_USERNAME") or None
        self.SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
        self.SMTP_FROM = os.environ.get("SMTP_FROM", "noreply@localhost")
        self.SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", 30))
        self.SMTP_CA_FILE = os.environ.get("SMTP_CA_FILE") or None
        self.NOTIFICATION_RETRY_SECONDS = int(os.environ.get("NOTIFICATION_RETRY_SECONDS", 60))
        self.NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATION_MAX_ATTEMPTS", 8))
        self.TESTING = False


def _smtp_security(value: str) -> str:
    """How to secure the SMTP connection: starttls, ssl (TLS from the start) or none."""
    value = value.strip().lower()
    if value not in {"starttls", "ssl", "none"}:
        raise ValueError(f"SMTP_SECURITY must be starttls, ssl or none, not {value!r}")
    return value


def engine_options(url: str) -> dict:
    """Connection options suited to the database in use."""
    if url.startswith("sqlite"):
        # Writers wait for each other instead of failing at once with "database is locked".
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def _dev_secret(instance_dir: Path) -> str:
    """A per-installation secret kept under instance/, so sessions survive restarts."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()
