"""SLA durations as people write and read them: hours and minutes, never raw minute counts."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

MAX_MINUTES = 60 * 24 * 365


class DurationError(ValueError):
    pass


def split_minutes(total: int | None) -> tuple[str, str]:
    """1440 -> ("24", "0"); None -> ("", "")."""
    if total is None:
        return "", ""
    return str(total // 60), str(total % 60)


def parse_duration(hours: str | None, minutes: str | None) -> int | None:
    """Hours and minutes typed in a form -> total minutes; both empty -> None (no such target)."""
    hours, minutes = (hours or "").strip(), (minutes or "").strip()
    if not hours and not minutes:
        return None
    if not (hours or "0").isdigit() or not (minutes or "0").isdigit() or len(hours) > 6 or len(minutes) > 6:
        raise DurationError(_("Whole hours and minutes, like 4 and 30."))
    total = int(hours or 0) * 60 + int(minutes or 0)
    if not 0 < total <= MAX_MINUTES:
        raise DurationError(_("Between 1 minute and a year."))
    return total


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
