"""The admin's security settings: the outbound allow-list."""
from __future__ import annotations

from ..app_settings import AppSetting
from ..audit import record
from ..extensions import db
from ..security.outbound import ALLOWLIST_SETTING, Allowlist, split_entries
from ..translatable import N_, message_of
from .models import User

MAX_ENTRIES = 100


class SettingError(ValueError):
    pass


def allowlist_text() -> str:
    row = db.session.get(AppSetting, ALLOWLIST_SETTING)
    return row.value if row is not None else ""


def save_allowlist(text: str, by: User | None) -> Allowlist:
    """Store the hosts and networks outbound requests may reach although they are not public."""
    entries = split_entries(text)
    if len(entries) > MAX_ENTRIES:
        raise SettingError(N_("at most %(limit)s entries", limit=MAX_ENTRIES))
    try:
        allow = Allowlist.parse(entries)
    except ValueError as exc:
        raise SettingError(message_of(exc)) from None
    row = db.session.get(AppSetting, ALLOWLIST_SETTING) or AppSetting(key=ALLOWLIST_SETTING, value="")
    new = str(allow)
    if row.value != new:
        before = set(split_entries(row.value))
        record("outbound_allowlist_changed", by, ("app_settings", ALLOWLIST_SETTING, "outbound allow-list"),
               {"added": sorted(set(new.split()) - before), "removed": sorted(before - set(new.split()))})
        row.value = new
        db.session.add(row)
        db.session.commit()
    return allow
