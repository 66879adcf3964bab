"""Each person's language and time zone: the choices, their validation, and saving them."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from flask_babel import gettext as _

from ..extensions import db
from .models import User

LANGUAGES: tuple[tuple[str, str], ...] = (("en", "English"), ("ja", "日本語"))  # each in its own language


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """IANA zones a person would pick (Region/City and UTC), sorted."""
    return tuple(sorted(z for z in available_timezones()
                        if z == "UTC" or ("/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))))


def preference_problems(locale: str, timezone: str) -> dict[str, str]:
    """What is wrong with the submitted values, by field (empty: they can be saved); pure."""
    problems: dict[str, str] = {}
    if locale and locale not in dict(LANGUAGES):
        problems["locale"] = _("Choose English, Japanese, or the browser's language.")
    if timezone and timezone not in time_zones():
        problems["timezone"] = _("Choose a time zone from the list.")
    return problems


def save_preferences(user: User, locale: str, timezone: str) -> None:
    """Empty values mean "follow the browser" and "the team's time zone"."""
    user.locale = locale or None
    user.timezone = timezone or None
    db.session.commit()
