"""Template helpers: local time, time left until a deadline."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from ..timeutil import utcnow


def duration_words(seconds: float) -> str:
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


TARGET_WORDS = {"first_response": "First response", "next_response": "Next response", "resolution": "Resolution"}


def time_left(due: datetime | None, now: datetime | None = None, warn: datetime | None = None,
              target: str | None = None) -> dict[str, str]:
    """Words and a CSS state for the time left until `due`: at risk exactly when the clock has passed its
    policy's warning time (`warn`), the definition every view shares."""
    if due is None:
        return {"text": "no target", "state": "none", "target": ""}
    now = now or utcnow()
    seconds = (due - now).total_seconds()
    label = TARGET_WORDS.get(target or "", "")
    if seconds <= 0:
        return {"text": f"overdue {duration_words(seconds)}", "state": "breached", "target": label}
    state = "at_risk" if warn is not None and now >= warn else "on_track"
    return {"text": f"{duration_words(seconds)} left", "state": state, "target": label}


def local_time(value: datetime | None, fmt: str = "%d %b %H:%M") -> str:
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config["INBOX_TIMEZONE"])
    return value.astimezone(zone).strftime(fmt)


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["time_left"] = time_left
