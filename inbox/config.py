"""Configuration read from the environment, with embedded defaults for one machine."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> Path:
    return Path(os.environ.get("INBOX_INSTANCE_PATH", PROJECT_ROOT / "instance")).resolve()


def _secret_key(instance: Path) -> str:
    """A stable secret per installation, so sessions survive restarts without configuration."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting together must agree on one key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _limits(name: str, default: str) -> str:
    from .security.throttle import parse_limits

    spec = os.environ.get(name) or default
    try:
        parse_limits(spec)
    except ValueError as exc:
        raise ValueError(f"{name} must look like '5/minute;20/hour', got {spec!r}") from exc
    return spec


def load_config() -> dict[str, Any]:
    """Settings from the environment. Every variable is documented in the README."""
    from .security.throttle import DEFAULT_ACCOUNT_LIMITS, DEFAULT_ADDRESS_LIMITS

    instance = instance_path()
    secure = os.environ.get("INBOX_SECURE_COOKIES", "0") == "1"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'inbox.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "EMBEDDED_REDIS_PATH": str(instance / "redis.db"),
        "INBOX_TIMEZONE": os.environ.get("INBOX_TIMEZONE", "UTC"),
        "INBOX_TEAM_NAME": os.environ.get("INBOX_TEAM_NAME", "").strip(),
        "INBOX_WEEKLY_EXPORT_DIR": os.environ.get("INBOX_WEEKLY_EXPORT_DIR") or str(instance / "exports"),
        "INBOX_PSEUDONYMISE": os.environ.get("INBOX_PSEUDONYMISE", "0") == "1",
        "REOPEN_WINDOW_DAYS": _int("INBOX_REOPEN_DAYS", 7),
        "POLL_INTERVAL_SECONDS": _int("INBOX_POLL_INTERVAL", 30),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        # Flask-Login's "keep me signed in" cookie: never sent cross-site, never readable by scripts
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int("INBOX_REMEMBER_DAYS", 30)),
        "SIGNIN_ACCOUNT_LIMITS": _limits("INBOX_SIGNIN_ACCOUNT_LIMITS", DEFAULT_ACCOUNT_LIMITS),
        "SIGNIN_ADDRESS_LIMITS": _limits("INBOX_SIGNIN_ADDRESS_LIMITS", DEFAULT_ADDRESS_LIMITS),
        "RETENTION_DAYS": _int("INBOX_RETENTION_DAYS", 0),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": _int("INBOX_MAX_UPLOAD_BYTES", 16 * 1024 * 1024),
    }
