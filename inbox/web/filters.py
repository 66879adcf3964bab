"""Template helpers: times, durations and numbers in the reader's language and time zone."""
from __future__ import annotations

from datetime import date, datetime, tzinfo

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal
from flask import Flask
from flask_babel import get_locale, get_timezone, gettext, lazy_gettext

from ..labels import LABELS
from ..labels import register as register_labels
from ..timeutil import utcnow

# Babel skeletons (the locale orders the fields): "Nov 30, 19:05" / "11月30日 19:05"
TIME_STYLES: dict[str, tuple[str, str | None]] = {
    "short": ("MMMd", "Hm"),
    "year": ("yMMMd", "Hm"),
    "seconds": ("yMMMd", "Hms"),
    "date": ("yMMMd", None),
    "weekday": ("MMMEd", None),
}


def _style_of(fmt: str) -> str:
    """A named style, or the style closest to an older strftime pattern ("%Y-%m-%d %H:%M")."""
    if fmt in TIME_STYLES:
        return fmt
    if "%S" in fmt:
        return "seconds"
    return "year" if "%Y" in fmt else "short"


def format_local(value: datetime, locale: Locale | str, zone: tzinfo, style: str = "short") -> str:
    """`value` (aware) as the people of `locale` write a date and time, in `zone`; pure."""
    locale = Locale.parse(locale)
    moment = value.astimezone(zone)
    date_skeleton, time_skeleton = TIME_STYLES[_style_of(style)]
    day = format_skeleton(date_skeleton, moment, locale=locale)
    if time_skeleton is None:
        return day
    clock = format_skeleton(time_skeleton, moment, locale=locale)
    return str(locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", clock)


def local_time(value: datetime | None, fmt: str = "short") -> str:
    """For templates: in the signed-in person's language and time zone (else the team's)."""
    if value is None:
        return ""
    return format_local(value, get_locale() or "en", get_timezone(), fmt)


def day(value: date | None, skeleton: str = "yMMMd") -> str:
    """A calendar day as the reader writes it ("Nov 30, 2026" / "2026年11月30日"; "MMMd": "Nov 30" / "11月30日")."""
    if value is None:
        return ""
    return format_skeleton(skeleton, value, locale=get_locale() or "en")


def short_day(value: date) -> str:
    return day(value, "MMMd")


def number(value: float | None, digits: int = 0) -> str:
    """A number with the locale's grouping and decimal signs ("12,345.6"); "–" when there is none."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=get_locale() or "en")


def duration_words(seconds: float) -> str:
    """Compact, in the reader's language: "2d 3h", "3h 05m", "12m" / "2日3時間", "3時間05分", "12分"."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return gettext("%(days)dd %(hours)dh", days=days, hours=hours)
    if hours:
        return gettext("%(hours)dh %(minutes)02dm", hours=hours, minutes=minutes)
    return gettext("%(minutes)dm", minutes=minutes)


TARGET_WORDS = LABELS["target"]
STATE_WORDS = {"on_track": lazy_gettext("On track"), "at_risk": lazy_gettext("At risk"),
               "breached": lazy_gettext("Breached")}


def time_left(due: datetime | None, now: datetime | None = None, warn: datetime | None = None,
              target: str | None = None) -> dict[str, str]:
    """Words and a CSS state for the time left until `due`: at risk exactly when the clock has passed its
    policy's warning time (`warn`), the definition every view shares."""
    if due is None:
        return {"text": gettext("no target"), "state": "none", "target": ""}
    now = now or utcnow()
    seconds = (due - now).total_seconds()
    label = str(TARGET_WORDS.get(target or "", ""))
    if seconds <= 0:
        return {"text": gettext("overdue %(time)s", time=duration_words(seconds)), "state": "breached",
                "target": label, "state_text": str(STATE_WORDS["breached"])}
    state = "at_risk" if warn is not None and now >= warn else "on_track"
    return {"text": gettext("%(time)s left", time=duration_words(seconds)), "state": state, "target": label,
            "state_text": str(STATE_WORDS[state])}


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["day"] = day
    app.jinja_env.globals["time_left"] = time_left
    register_labels(app)
