"""The words for stored values a person reads (statuses, priorities, sentiment, channels, message kinds),
in the reader's language. Templates call ``label("status", ticket.status)``; an unknown value shows as is."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext, lazy_pgettext

LABELS = {
    "status": {"new": lazy_gettext("new"), "open": lazy_gettext("open"), "pending": lazy_gettext("pending"),
               "resolved": lazy_gettext("resolved"), "closed": lazy_gettext("closed")},
    "priority": {"low": lazy_gettext("low"), "normal": lazy_gettext("normal"), "high": lazy_gettext("high"),
                 "urgent": lazy_gettext("urgent")},
    "sentiment": {"negative": lazy_gettext("negative"), "neutral": lazy_gettext("neutral"),
                  "positive": lazy_gettext("positive"),
                  "uncertain": lazy_gettext("uncertain")},
    "engagement": {"question": lazy_gettext("question"), "complaint": lazy_gettext("complaint"),
                   "request": lazy_gettext("request"), "praise": lazy_gettext("praise"),
                   "feedback": lazy_gettext("feedback"), "noise": lazy_gettext("noise")},
    "kind": {"mention": lazy_gettext("mention"), "dm": lazy_gettext("direct message"), "reply": lazy_gettext("reply"),
             "email": lazy_pgettext("message kind", "email")},
    # the network a ticket came from ("Email" the channel, not an address: メール)
    "channel": {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky", "email": lazy_pgettext("channel", "Email"),
                "sms": "SMS", "phone": lazy_gettext("Phone"), "other": lazy_gettext("Other"), "line": "LINE"},
    # how an account is connected (the connector)
    "connector": {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky", "email": lazy_pgettext("channel", "Email"),
                  "jsonl": lazy_gettext("File import (JSONL)"), "line": "LINE", "sms": "SMS", "phone": lazy_gettext("Phone"),
                  "other": lazy_gettext("Other")},
    # a connector's name on the "connect" buttons and forms
    "connector_title": {"email": lazy_gettext("Email (IMAP and SMTP)"), "jsonl": lazy_gettext("File import (JSONL)")},
    "health": {"ok": lazy_gettext("ok"), "warning": lazy_gettext("warning"), "error": lazy_gettext("error"),
               "info": lazy_gettext("info")},
    "role": {"agent": lazy_gettext("agent"), "lead": lazy_gettext("lead"), "admin": lazy_gettext("admin")},
    "sla_state": {"on_track": lazy_gettext("on track"), "at_risk": lazy_gettext("at risk"), "breached": lazy_gettext("breached"),
                  "none": lazy_gettext("no SLA")},
    "assignment_mode": {"off": lazy_gettext("Off"), "round_robin": lazy_gettext("Round-robin"),
                        "least_loaded": lazy_gettext("Least loaded")},
    "scope": {"read": lazy_gettext("read"), "write": lazy_gettext("write")},
    "security": {"ssl": "SSL/TLS", "starttls": "STARTTLS", "none": lazy_gettext("none (unencrypted)")},
    "weekday": {"Monday": lazy_gettext("Monday"), "Tuesday": lazy_gettext("Tuesday"), "Wednesday": lazy_gettext("Wednesday"),
                "Thursday": lazy_gettext("Thursday"), "Friday": lazy_gettext("Friday"), "Saturday": lazy_gettext("Saturday"),
                "Sunday": lazy_gettext("Sunday")},
    "calendar": {"Office hours": lazy_gettext("Office hours")},
    # the details of an audit line: their names, and the stored words among their values
    "audit_detail": {"from": lazy_gettext("from"), "to": lazy_gettext("to"), "role": lazy_gettext("role"),
                     "kind": lazy_gettext("kind"), "via": lazy_gettext("via"), "scope": lazy_gettext("scope"),
                     "change": lazy_gettext("change"), "changed": lazy_gettext("changed"), "bytes": lazy_gettext("bytes"),
                     "owner": lazy_gettext("owner"), "emailed": lazy_gettext("emailed"),
                     "retry_after": lazy_gettext("retry after (s)"), "previous_calendar_id": lazy_gettext("previous calendar")},
    "audit_value": {"SLA summary": lazy_gettext("SLA summary"), "SLA tickets": lazy_gettext("SLA tickets"),
                    "weekly sentiment": lazy_gettext("weekly sentiment"), "removed": lazy_gettext("removed"),
                    "secret rotated": lazy_gettext("secret rotated"), "api": "API", "True": lazy_gettext("yes"),
                    "False": lazy_gettext("no"), "sign_in": lazy_gettext("sign-in"), "read": lazy_gettext("read"),
                    "write": lazy_gettext("write")},
    "target": {"first_response": lazy_gettext("First response"), "next_response": lazy_gettext("Next response"),
               "resolution": lazy_gettext("Resolution")},
    "outcome": {"met": lazy_gettext("met"), "missed": lazy_gettext("missed"), "breached": lazy_gettext("breached"),
                "running": lazy_gettext("running"), "paused": lazy_gettext("paused")},
}


def label(group: str, value: str | None) -> str:
    if value is None:
        return ""
    return str(LABELS.get(group, {}).get(value, value))


def connector_title(kind: str, title: str) -> str:
    """A connector's name in the reader's language where it has words of ours ("Email (IMAP and SMTP)"), else
    its own title ("X (Twitter)")."""
    return label("connector_title", kind) if kind in LABELS["connector_title"] else title


def audit_value(name: str, value: object) -> str:
    """An audit detail's value in words: a role, a list of changed fields, a stored English word."""
    if name in ("from", "to", "role") and isinstance(value, str):
        return label("role", value)
    if isinstance(value, list):
        return ", ".join(label("audit_value", str(item)) for item in value)
    return label("audit_value", str(value))


def register(app: Flask) -> None:
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["audit_value"] = audit_value
    app.jinja_env.globals["connector_title"] = connector_title
