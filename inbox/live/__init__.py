"""Live updates: ticket changes published on commit, the SSE stream, and presence on ticket pages."""
from __future__ import annotations

import os

from flask import Flask

from ..tickets.signals import tickets_changed
from .publish import TICKET_CHANNEL, Live, publish_changes

__all__ = ["TICKET_CHANNEL", "Live", "install"]


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {raw!r}")
    return value


def install(app: Flask) -> None:
    """Called by create_app: the live settings, and committed ticket changes published to open pages."""
    app.config.setdefault("LIVE_STREAM_SECONDS", _env_number("INBOX_LIVE_STREAM_SECONDS", 60))
    app.config.setdefault("LIVE_HEARTBEAT_SECONDS", 15)
    # longer than gunicorn's 2 s keep-alive: a reconnect never races the server closing the idle connection
    app.config.setdefault("LIVE_RETRY_MS", 3000)
    app.config.setdefault("LIVE_SINGLE_THREAD_RETRY_MS", 30000)
    app.config.setdefault("PRESENCE_TTL_SECONDS", 25)
    app.extensions["inbox_live"] = Live(app)
    tickets_changed.connect(publish_changes)
