"""Holidays from an iCalendar (.ics) file: the dates of its all-day VEVENTs (RFC 5545), parsed by hand.

Only what holiday feeds use: DTSTART (VALUE=DATE or a date-time, whose local date is taken),
an optional exclusive DTEND for multi-day closures. Recurrence rules are not expanded; public
holiday feeds list each year's dates explicitly.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from ...translatable import N_

MAX_EVENT_DAYS = 31


class IcsError(ValueError):
    pass


def _unfold(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    return lines


def _date(value: str) -> date:
    value = value.strip()
    try:
        if len(value) >= 8:
            return datetime.strptime(value[:8], "%Y%m%d").date()
    except ValueError:
        pass
    raise IcsError(N_("not an iCalendar date: %(value)s", value=repr(value)))


def parse_holidays(text: str) -> list[date]:
    """Sorted, distinct dates covered by the file's events."""
    lines = _unfold(text)
    if not any(line.upper().startswith("BEGIN:VCALENDAR") for line in lines):
        raise IcsError(N_("not an iCalendar file (no BEGIN:VCALENDAR)"))
    found: set[date] = set()
    start: date | None = None
    end: date | None = None
    in_event = False
    for line in lines:
        name, _, value = line.partition(":")
        key = name.split(";", 1)[0].upper()
        if key == "BEGIN" and value.upper() == "VEVENT":
            in_event, start, end = True, None, None
        elif key == "END" and value.upper() == "VEVENT":
            if start is not None:
                days = max(1, min(((end - start).days if end else 1), MAX_EVENT_DAYS))
                found.update(start + timedelta(days=i) for i in range(days))
            in_event = False
        elif in_event and key == "DTSTART":
            start = _date(value)
        elif in_event and key == "DTEND":
            end = _date(value)
    return sorted(found)
