"""The words for stored values a person reads (statuses, priorities, sentiment, channels, message kinds),
in the reader's language. Templates call ``label("status", ticket.status)``; an unknown value shows as is."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext

LABELS = {
    "status": {"new": lazy_gettext("new"), "open": lazy_gettext("open"), "pending": lazy_gettext("pending"),
               "resolved": lazy_gettext("resolved"), "closed": lazy_gettext("closed")},
    "priority": {"low": lazy_gettext("low"), "normal": lazy_gettext("normal"), "high": lazy_gettext("high"),
                 "urgent": lazy_gettext("urgent")},
    "sentiment": {"negative": lazy_gettext("negative"), "neutral": lazy_gettext("neutral"),
                  "positive": lazy_gettext("positive"),
                  "uncertain": lazy_gettext("uncertain")},
    "kind": {"mention": lazy_gettext("mention"), "dm": lazy_gettext("direct message"), "reply": lazy_gettext("reply"),
             "email": lazy_gettext("email")},
    "channel": {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky", "line": "LINE", "email": lazy_gettext("Email"),
                "sms": "SMS", "phone": lazy_gettext("Phone"), "other": lazy_gettext("Other")},
    "role": {"agent": lazy_gettext("agent"), "lead": lazy_gettext("lead"), "admin": lazy_gettext("admin")},
    "target": {"first_response": lazy_gettext("First response"), "next_response": lazy_gettext("Next response"),
               "resolution": lazy_gettext("Resolution")},
    "outcome": {"met": lazy_gettext("met"), "missed": lazy_gettext("missed"), "breached": lazy_gettext("breached"),
                "running": lazy_gettext("running"), "paused": lazy_gettext("paused")},
}


def label(group: str, value: str | None) -> str:
    if value is None:
        return ""
    return str(LABELS.get(group, {}).get(value, value))


def register(app: Flask) -> None:
    app.jinja_env.globals["label"] = label
