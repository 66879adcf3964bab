"""The SLA in words a person reads, in their language: a ticket's clocks ("First response due 24 Nov
14:00, answered 13:12: met"), the policy change log ("first response: 4 h → 2 h 30 min"), durations."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from flask_babel import gettext
from flask_babel import gettext as _

from ...labels import label
from ..sla.calendar import WEEKDAYS
from ..sla.clock import RESOLUTION, RESOLVED_WITHOUT_REPLY, ClockResult


def _fmt(moment: datetime | None, zone: tzinfo) -> str:
    return "—" if moment is None else moment.astimezone(zone).strftime("%d %b %H:%M")


def explain(result: ClockResult, zone: tzinfo, when: Callable[[datetime], str] | None = None) -> str:
    """One line a lead can read: "First response due 24 Nov 14:00, answered 24 Nov 13:12: met", in the
    reader's language when there is one (gettext); `when` formats a moment (default: "24 Nov 14:00" in `zone`)."""
    def at(moment: datetime | None) -> str:
        return "—" if moment is None else (when(moment) if when is not None else _fmt(moment, zone))

    name = label("target", result.target)
    paused = sum(((q - p) for p, q in result.paused if q is not None), timedelta(0))
    pauses = gettext(" (paused %(count)s×, %(duration)s)", count=len(result.paused), duration=_duration(paused)) if result.paused else ""
    if result.outcome == "paused":
        return gettext("%(target)s clock paused since %(time)s (waiting on the customer)%(pauses)s",
                       target=name, time=at(result.paused[-1][0]), pauses=pauses)
    if result.outcome == "cancelled":
        return gettext("%(target)s clock started %(start)s, stopped when the ticket was resolved %(stop)s",
                       target=name, start=at(result.started_at), stop=at(result.stopped_at))
    if result.outcome in ("running", "breached"):
        if result.outcome == "breached":
            return gettext("%(target)s due %(due)s%(pauses)s: overdue", target=name, due=at(result.due_at), pauses=pauses)
        return gettext("%(target)s due %(due)s%(pauses)s: running", target=name, due=at(result.due_at), pauses=pauses)
    if result.missed_reason == RESOLVED_WITHOUT_REPLY:
        return gettext("%(target)s due %(due)s, never answered (resolved %(stop)s): missed, resolved without reply",
                       target=name, due=at(result.due_at), stop=at(result.stopped_at))
    outcome = gettext("met") if result.outcome == "met" else gettext("missed") if result.outcome == "missed" else result.outcome
    if result.target == RESOLUTION:
        return gettext("%(target)s due %(due)s, resolved %(stop)s%(pauses)s: %(outcome)s", target=name,
                       due=at(result.due_at), stop=at(result.stopped_at), pauses=pauses, outcome=outcome)
    return gettext("%(target)s due %(due)s, answered %(stop)s%(pauses)s: %(outcome)s", target=name,
                   due=at(result.due_at), stop=at(result.stopped_at), pauses=pauses, outcome=outcome)


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return gettext("%(hours)s h %(minutes)02d min", hours=hours, minutes=minutes)
    return gettext("%(minutes)s min", minutes=minutes)


def split_minutes(total: int | None) -> tuple[str, str]:
    """1440 -> ("24", "0"); None -> ("", "")."""
    if total is None:
        return "", ""
    return str(total // 60), str(total % 60)


def format_minutes(total: Any) -> str:
    """240 -> "4 h", 90 -> "1 h 30 min", 45 -> "45 min", None -> "none"."""
    if not isinstance(total, int) or isinstance(total, bool):
        return _("none") if total is None else str(total)
    hours, minutes = divmod(total, 60)
    if hours and minutes:
        return _("%(h)s h %(m)s min", h=hours, m=minutes)
    if hours:
        return _("%(h)s h", h=hours)
    return _("%(m)s min", m=minutes)


def _yes_no(value: Any) -> str:
    return _("yes") if value else _("no")


def _percent(value: Any) -> str:
    return f"{round(float(value) * 100)} %" if isinstance(value, (int, float)) else str(value)


def _windows(value: Any) -> str:
    if not isinstance(value, dict) or not value:
        return _("none")

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
