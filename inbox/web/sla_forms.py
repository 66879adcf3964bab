"""The SLA admin page's forms: what an admin typed (hours and minutes, open windows), checked into the
values the SLA policy service takes, or a PolicyError naming the field."""
from __future__ import annotations

from datetime import time
from typing import Any, Mapping

from flask_babel import gettext as _

from ..extensions import db
from ..security.params import parse_bounded_int, parse_decimal, parse_id
from ..tickets.models import BusinessCalendar
from ..tickets.sla.policy_changes import PolicyError
from ..translatable import N_, message_of

MAX_MINUTES = 60 * 24 * 365


class DurationError(ValueError):
    pass


def parse_duration(hours: str | None, minutes: str | None) -> int | None:
    """Hours and minutes typed in a form -> total minutes; both empty -> None (no such target)."""
    hours, minutes = (hours or "").strip(), (minutes or "").strip()
    if not hours and not minutes:
        return None
    whole_hours, whole_minutes = parse_bounded_int(hours or "0", 0, 999999), parse_bounded_int(minutes or "0", 0, 999999)
    if whole_hours is None or whole_minutes is None:
        raise DurationError(_("Whole hours and minutes, like 4 and 30."))
    total = whole_hours * 60 + whole_minutes
    if not 0 < total <= MAX_MINUTES:
        raise DurationError(_("Between 1 minute and a year."))
    return total


def _duration(form: Mapping[str, str], key: str, label: str) -> int | None:
    """`<key>_h` and `<key>_m` (hours and minutes, the admin page), else `<key>_minutes` (scripts, older forms)."""
    if f"{key}_h" in form or f"{key}_m" in form:
        try:
            return parse_duration(form.get(f"{key}_h"), form.get(f"{key}_m"))
        except DurationError as exc:
            raise PolicyError(message_of(exc), f"{key}_minutes") from None
    return _minutes(form.get(f"{key}_minutes"), label, f"{key}_minutes")


def _minutes(raw: str | None, label: str, field: str | None = None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    value = parse_bounded_int(raw, 0, 10**9)
    if value is None:
        raise PolicyError(N_("%(target)s must be a whole number of minutes", target=label), field)
    if value <= 0 or value > MAX_MINUTES:
        raise PolicyError(N_("%(target)s must be between 1 minute and a year", target=label), field)
    return value


def parse_policy_form(form: Mapping[str, str]) -> dict[str, Any]:
    percent = parse_decimal(form.get("warning_percent", "80"), 0, 1000)
    if percent is None:
        raise PolicyError(_("A percentage, like 80."), "warning_percent")
    fraction = percent / 100
    if not 0 < fraction < 1:
        raise PolicyError(_("Between 1 and 99 %."), "warning_percent")
    raw_calendar = (form.get("calendar_id") or "").strip()
    calendar_id = parse_id(raw_calendar) if raw_calendar else None
    chosen = db.session.get(BusinessCalendar, calendar_id) if calendar_id is not None else None
    if raw_calendar and (chosen is None or chosen.retired_at is not None):
        raise PolicyError(_("Unknown calendar."), "calendar_id")
    values = {
        "first_response_minutes": _duration(form, "first_response", N_("first response")),
        "first_response_same_business_day": form.get("first_response_same_business_day") == "on",
        "next_response_minutes": _duration(form, "next_response", N_("next response")),
        "resolution_minutes": _duration(form, "resolution", N_("resolution")),
        "business_hours": form.get("business_hours") == "on",
        "warning_fraction": round(fraction, 4),
        "calendar_id": calendar_id,
    }
    if values["first_response_same_business_day"] and values["calendar_id"] is None:
        raise PolicyError(_("A same-business-day target needs a calendar."), "calendar_id")
    return values


def parse_windows(spec: str) -> list[list[str]]:
    """"09:00-12:00, 13:00-17:00" → [["09:00", "12:00"], ["13:00", "17:00"]]; an end not after the start runs past midnight."""
    windows = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        start, sep, end = part.partition("-")
        if not sep:
            raise PolicyError(_("%(window)s should look like 09:00-17:00.", window=repr(part)))
        try:
            a, b = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
        except ValueError:
            raise PolicyError(_("%(window)s should look like 09:00-17:00.", window=repr(part))) from None
        windows.append([a.strftime("%H:%M"), b.strftime("%H:%M")])
    return windows


def parse_week(form: Mapping[str, str]) -> dict[int, list[list[str]]]:
    """`windows_0` … `windows_6` (Monday first) into open spans per weekday; a bad one names its field."""
    week = {}
    for day in range(7):
        try:
            week[day] = parse_windows(form.get(f"windows_{day}", ""))
        except PolicyError as exc:
            raise PolicyError(message_of(exc), f"windows_{day}") from None
    return week
