"""Configuration read from the environment, with embedded defaults for one machine."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from limits import parse_many

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = str(PROJECT_ROOT / "inbox" / "migrations")
# sign-in throttling (inbox.auth.throttle): per account, and per client address
DEFAULT_ACCOUNT_LIMITS = "5/minute;10/15 minutes;20/hour"
DEFAULT_ADDRESS_LIMITS = "20/minute;100/hour"


def instance_path() -> Path:
    return Path(os.environ.get("INBOX_INSTANCE_PATH", PROJECT_ROOT / "instance")).resolve()


class ConfigError(RuntimeError):
    """A setting that several hosts must share is missing or malformed: the process refuses to start."""


# the proxy headers ProxyFix may trust, by the number of proxies in front of Inbox that set them
PROXY_FIX_SETTINGS = {"x_for": "INBOX_PROXY_FIX_X_FOR", "x_proto": "INBOX_PROXY_FIX_X_PROTO",
                      "x_host": "INBOX_PROXY_FIX_X_HOST", "x_port": "INBOX_PROXY_FIX_X_PORT",
                      "x_prefix": "INBOX_PROXY_FIX_X_PREFIX"}
MIN_SECRET_KEY_LENGTH = 32


def _generated_secret_key(instance: Path) -> str:
    """A stable secret per instance folder, so one machine needs no configuration at all."""
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
    spec = os.environ.get(name) or default
    try:
        parse_many(spec)
    except ValueError as exc:
        raise ValueError(f"{name} must look like '5/minute;20/hour', got {spec!r}") from exc
    return spec


def _public_url(raw: str | None) -> str | None:
    return raw.strip().rstrip("/") if raw and raw.strip() else None


def is_embedded_database(uri: str) -> bool:
    """SQLite is one machine's database: every process of it shares one instance folder."""
    return uri.startswith("sqlite")


def deployment_problems(config: Mapping[str, Any]) -> list[str]:
    """Pure: what keeps this configuration from starting. Several hosts (any server database) must
    share one SECRET_KEY and know the public address customers reach them at."""
    problems = []
    public = config.get("INBOX_PUBLIC_URL")
    if public:
        parts = urlsplit(public)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            problems.append(f"INBOX_PUBLIC_URL must be an absolute http(s) address like https://inbox.example.com, "
                            f"got {public!r}")
    if is_embedded_database(str(config.get("SQLALCHEMY_DATABASE_URI", ""))):
        return problems
    key = config.get("SECRET_KEY")
    if not key or config.get("INBOX_SECRET_KEY_SOURCE") == "instance":
        problems.append("SECRET_KEY must be set when DATABASE_URL is a server database: every web host and worker "
                        "signs sessions and survey links with it. Generate one with "
                        "`python -c 'import secrets; print(secrets.token_hex(32))'` and give all hosts the same value")
    elif len(str(key)) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"SECRET_KEY is too short ({len(str(key))} characters; at least {MIN_SECRET_KEY_LENGTH})")
    if not public:
        problems.append("INBOX_PUBLIC_URL must be set when DATABASE_URL is a server database: links sent to customers "
                        "(survey invitations) and webhooks are built from it, e.g. https://inbox.example.com")
    return problems


def load_config() -> dict[str, Any]:
    """Settings from the environment. Every variable is documented in the README."""
    instance = instance_path()
    secure = os.environ.get("INBOX_SECURE_COOKIES", "0") == "1"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'inbox.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    if os.environ.get("SECRET_KEY"):
        secret_key, key_source = os.environ["SECRET_KEY"], "environment"
    elif is_embedded_database(database_url):
        secret_key, key_source = _generated_secret_key(instance), "instance"
    else:  # several hosts: never invent a key only this one knows (create_app says what to set)
        secret_key, key_source = None, None
    proxy_fix = {arg: _int(name, 0) for arg, name in PROXY_FIX_SETTINGS.items()}
    return {
        "SECRET_KEY": secret_key,
        "INBOX_SECRET_KEY_SOURCE": key_source,
        "INBOX_PUBLIC_URL": _public_url(os.environ.get("INBOX_PUBLIC_URL")),
        "INBOX_PROXY_FIX": proxy_fix,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "EMBEDDED_REDIS_PATH": str(instance / "redis.db"),
        "INBOX_TIMEZONE": os.environ.get("INBOX_TIMEZONE", "UTC"),
        "INBOX_TEAM_NAME": os.environ.get("INBOX_TEAM_NAME", "").strip(),
        # only read by the migration that moved earlier export files into the database
        "INBOX_WEEKLY_EXPORT_DIR": os.environ.get("INBOX_WEEKLY_EXPORT_DIR") or str(instance / "exports"),
        "INBOX_EXPORT_MAX_BYTES": _int("INBOX_EXPORT_MAX_MB", 256) * 1024 * 1024,
        "INBOX_EXPORT_RETENTION_DAYS": _int("INBOX_EXPORT_RETENTION_DAYS", 365),
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


def workspace_timezone() -> str:
    """The team's time zone (INBOX_TIMEZONE): business hours, weekly boundaries, the day of a ticket."""
    return current_app.config["INBOX_TIMEZONE"]


def workspace_zone() -> ZoneInfo:
    return ZoneInfo(workspace_timezone())
