"""The SLA change log in words ("first response: 4 h → 2 h 30 min"), not the stored dictionaries."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from .durations import format_minutes


def _yes_no(value: Any) -> str:
    return _("yes") if value else _("no")


def _percent(value: Any) -> str:
    return f"{round(float(value) * 100)} %" if isinstance(value, (int, float)) else str(value)


def _windows(value: Any) -> str:
    if not isinstance(value, dict) or not value:
        return _("none")
    from .policy_changes import WEEKDAYS

    parts = []
    for day in sorted(value, key=lambda d: int(d) if str(d).isdigit() else 9):
        name = _(WEEKDAYS[int(day)]) if str(day).isdigit() and int(day) < 7 else str(day)
        parts.append(f"{name} " + ", ".join("–".join(span) for span in value[day]))
    return "; ".join(parts)


def _dates(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list) and value else _("none")


def _plain(value: Any) -> str:
    return _("none") if value in (None, "") else str(value)


def _fields(calendar_names: dict[int, str]) -> dict[str, tuple[str, Callable[[Any], str]]]:
    def calendar(value: Any) -> str:
        return calendar_names.get(value, _plain(value)) if isinstance(value, int) else _plain(value)

    return {
        "first_response_minutes": (_("first response"), format_minutes),
        "next_response_minutes": (_("next response"), format_minutes),
        "resolution_minutes": (_("resolution"), format_minutes),
        "first_response_same_business_day": (_("first response the same business day"), _yes_no),
        "business_hours": (_("counted in business hours"), _yes_no),
        "warning_fraction": (_("at risk from"), _percent),
        "calendar_id": (_("calendar"), calendar),
        "timezone": (_("time zone"), _plain),
        "windows": (_("open hours"), _windows),
        "holidays": (_("holidays"), _dates),
        "sla_webhook_url": (_("breach webhook"), _plain),
    }


def describe(changes: dict[str, Any], calendar_names: dict[int, str] | None = None) -> tuple[str, list[str]]:
    """(what was changed, one line per changed setting) from a SlaPolicyChange.changes dict."""
    fields = _fields(calendar_names or {})
    subject = ""
    if "channel" in changes:
        priority = changes.get("priority")
        subject = _("%(channel)s policy, %(priority)s", channel=changes["channel"],
                    priority=_(priority) if priority else _("any priority"))
    lines = []
    if changes.get("deleted"):
        lines.append(_("deleted (tickets opened under it keep its targets)"))
    for key, value in changes.items():
        if key in ("channel", "priority", "deleted"):
            continue
        label, show = fields.get(key, (key.replace("_", " "), _plain))
        if isinstance(value, list) and len(value) == 2:
            lines.append(f"{label}: {show(value[0])} → {show(value[1])}")
        else:
            lines.append(f"{label}: {show(value)}")
    return subject, lines
