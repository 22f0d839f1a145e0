"""Configuration read from environment variables, with embedded defaults for `make run`."""
from __future__ import annotations

import os
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
        self.BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "webapp" / "translations")
        self.LANGUAGES = ["zh_Hans_CN", "en"]
        self.INBOX_PAGE_SIZE = int(os.environ.get("INBOX_PAGE_SIZE", 25))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
        self.WTF_CSRF_TIME_LIMIT = None
        self.SCHEDULER_ENABLED = _env_bool("SCHEDULER_ENABLED", False)
        self.TESTING = False


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
