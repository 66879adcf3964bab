"""An account's state in words an admin acts on, and the pipeline's health in one place (with what it
set aside that no admin has seen yet)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .models import ChannelAccount
from .quarantine import unseen_set_aside

STATUS_WORDS = {
    "ok": "OK",
    "catching_up": "Catching up",
    "rate_limited": "Rate-limited",
    "needs_attention": "Needs new credentials",
    "error": "Error, retrying",
}


@dataclass(frozen=True)
class AccountHealth:
    label: str
    detail: str | None
    level: str  # ok | info | warning | error


def account_health(account: ChannelAccount, zone: ZoneInfo, now: datetime) -> AccountHealth:
    if not account.enabled:
        return AccountHealth("Paused", None, "info")
    status = account.status or "ok"
    label = STATUS_WORDS.get(status, status.replace("_", " ").capitalize())
    detail = account.status_detail
    set_aside = unseen_set_aside(account)
    if set_aside is not None:  # kept until the pipeline page has shown it, whatever later polls said
        detail = f"{detail}; {set_aside.note()}" if detail else set_aside.note()
    if status == "rate_limited" and account.backoff_until and account.backoff_until > now:
        label = f"Rate-limited until {account.backoff_until.astimezone(zone):%H:%M}"
    elif status == "error" and account.backoff_until and account.backoff_until > now:
        label = f"Error, retrying at {account.backoff_until.astimezone(zone):%H:%M}"
    level = {"ok": "ok", "catching_up": "info", "rate_limited": "warning"}.get(status, "error")
    return AccountHealth(label, detail, level)
