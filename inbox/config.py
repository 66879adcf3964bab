"""Configuration read from the environment, with embedded defaults for one machine."""
from __future__ import annotations

import os
import secrets
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


def load_config() -> dict[str, Any]:
    """Settings from the environment. Every variable is documented in the README."""
    instance = instance_path()
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
        "INBOX_WEEKLY_EXPORT_DIR": os.environ.get("INBOX_WEEKLY_EXPORT_DIR") or str(instance / "exports"),
        "INBOX_PSEUDONYMISE": os.environ.get("INBOX_PSEUDONYMISE", "0") == "1",
        "REOPEN_WINDOW_DAYS": _int("INBOX_REOPEN_DAYS", 7),
        "POLL_INTERVAL_SECONDS": _int("INBOX_POLL_INTERVAL", 30),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("INBOX_SECURE_COOKIES", "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": _int("INBOX_MAX_UPLOAD_BYTES", 16 * 1024 * 1024),
    }
