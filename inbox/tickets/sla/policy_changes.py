"""Admin changes to SLA policies, calendars and the breach webhook; each change is recorded with who and when.

Policy rows are never edited: a change deactivates the current version and inserts a new one, so
tickets keep the targets they were opened under and new tickets get the new ones.
"""
from __future__ import annotations

from datetime import date, time
from typing import Any, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import select

from ...audit import record
from ...auth.models import User
from ...extensions import db
from ...security.params import parse_id
from ...timeutil import utcnow
from ...translatable import N_, message_of
from ..models import PRIORITIES, BusinessCalendar, SlaPolicy
from .durations import DurationError, parse_duration
from .models import SlaPolicyChange

POLICY_FIELDS = ("first_response_minutes", "first_response_same_business_day", "next_response_minutes",
                 "resolution_minutes", "business_hours", "warning_fraction", "calendar_id")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class PolicyError(ValueError):
    """What is wrong with a form, and the field it is about (None: the form as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def active_policies() -> list[SlaPolicy]:
    return list(db.session.scalars(select(SlaPolicy).where(SlaPolicy.active.is_(True)).order_by(SlaPolicy.channel, SlaPolicy.priority, SlaPolicy.id)))


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
    try:
        value = int(raw)
    except ValueError:
        raise PolicyError(N_("%(target)s must be a whole number of minutes", target=label), field) from None
    if value <= 0 or value > 60 * 24 * 365:
        raise PolicyError(N_("%(target)s must be between 1 minute and a year", target=label), field)
    return value


def parse_policy_form(form: Mapping[str, str]) -> dict[str, Any]:
    try:
        fraction = float(form.get("warning_percent", "80")) / 100
    except ValueError:
        raise PolicyError(_("A percentage, like 80."), "warning_percent") from None
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


def change_policy(policy: SlaPolicy, values: Mapping[str, Any], by: User, priority: str | None = None) -> SlaPolicy:
    """Replace `policy` by a new version (optionally for one priority, added beside it)."""
    if priority not in (None, "", *PRIORITIES):
        raise PolicyError(N_("unknown priority"))
    priority = priority or policy.priority
    same_slot = priority == policy.priority
    if same_slot and not policy.active:
        raise PolicyError(N_("this policy version has already been replaced"))
    changes = {f: [getattr(policy, f), values[f]] for f in POLICY_FIELDS if getattr(policy, f) != values[f]}
    if same_slot and not changes:
        raise PolicyError(_("Nothing changed."))
    now = utcnow()
    replaced = policy if same_slot else db.session.scalar(
        select(SlaPolicy).where(SlaPolicy.channel == policy.channel, SlaPolicy.priority == priority, SlaPolicy.active.is_(True))
    )
    if replaced is not None:
        replaced.active = False
    new = SlaPolicy(channel=policy.channel, priority=priority, active=True, created_at=now, **values)
    db.session.add(new)
    db.session.flush()
    db.session.add(SlaPolicyChange(previous_policy_id=replaced.id if replaced else None, policy_id=new.id,
                                   changed_by_id=by.id, changed_at=now,
                                   changes={"channel": policy.channel, "priority": priority, **changes}))
    record("sla_policy_changed", by, ("sla_policies", new.id, f"{policy.channel} {priority or 'any priority'}"),
           {"previous_policy_id": replaced.id if replaced else None, "changes": changes})
    db.session.commit()
    return new


def delete_policy(policy: SlaPolicy, by: User) -> None:
    """Retire a policy without a successor: tickets opened under it keep its targets, the rows stay for
    history, new tickets of that channel and priority fall back to the channel's other policies."""
    if not policy.active:
        raise PolicyError(_("This policy version has already been replaced or deleted."))
    policy.active = False
    db.session.add(SlaPolicyChange(previous_policy_id=policy.id, policy_id=None, changed_by_id=by.id, changed_at=utcnow(),
                                   changes={"channel": policy.channel, "priority": policy.priority, "deleted": True}))
    record("sla_policy_changed", by, ("sla_policies", policy.id, f"{policy.channel} {policy.priority or 'any priority'}"),
           {"deleted": True})
    db.session.commit()


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


def change_calendar(calendar: BusinessCalendar, tz: str, windows: Mapping[int, str], holidays: list[str],
                    by: User) -> BusinessCalendar:
    """Save a calendar edit as a new version (the policies that used it move to it); returns the calendar now in use."""
    if calendar.retired_at is not None:
        raise PolicyError(_("This calendar was replaced by a newer version; edit that one."))
    try:
        if len(tz) > 64:
            raise ValueError(tz)
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name no file system accepts
        raise PolicyError(_("Unknown time zone %(tz)s; use a name like Asia/Tokyo.", tz=repr(tz[:64])), "timezone") from None
    parsed = {}
    for day, spec in windows.items():
        try:
            parsed[str(day)] = parse_windows(spec)
        except PolicyError as exc:
            raise PolicyError(message_of(exc), f"windows_{day}") from None
    parsed = {day: spans for day, spans in parsed.items() if spans}
    if not parsed:
        raise PolicyError(_("A calendar needs at least one open window."), "windows_0")
    try:
        days = sorted({date.fromisoformat(h.strip()).isoformat() for h in holidays if h.strip()})
    except ValueError as exc:
        raise PolicyError(_("Holidays are dates like 2026-12-25 (%(problem)s).", problem=exc), "holidays") from None
    before = {"timezone": calendar.timezone, "windows": calendar.windows, "holidays": calendar.holidays}
    after = {"timezone": tz, "windows": parsed, "holidays": days}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changes:
        return calendar
    now = utcnow()
    successor = _replace_calendar(calendar, tz, parsed, days, now)
    db.session.add(SlaPolicyChange(calendar_id=successor.id, changed_by_id=by.id, changed_at=now, changes=changes))
    for policy in db.session.scalars(select(SlaPolicy).where(SlaPolicy.calendar_id == calendar.id, SlaPolicy.active.is_(True))):
        _new_version(policy, {"calendar_id": successor.id}, by, now, {"calendar_id": [calendar.id, successor.id]})
    record("sla_calendar_changed", by, successor, {"changed": sorted(changes), "previous_calendar_id": calendar.id})
    db.session.commit()
    return successor


def _replace_calendar(calendar: BusinessCalendar, tz: str, windows: dict[str, Any], holidays: list[str],
                      now: Any) -> BusinessCalendar:
    """A calendar is never edited in place: tickets opened under it keep their business-hour figures.
    The old version keeps its values under a dated name; the new one takes the name."""
    name = calendar.name
    calendar.name = f"{name} (until {now:%Y-%m-%d %H:%M:%S} UTC)"[:120]
    calendar.retired_at = now
    db.session.flush()
    successor = BusinessCalendar(name=name, timezone=tz, windows=windows, holidays=holidays)
    db.session.add(successor)
    db.session.flush()
    return successor


def _new_version(policy: SlaPolicy, values: Mapping[str, Any], by: User, now: Any, changes: dict[str, Any]) -> SlaPolicy:
    policy.active = False
    fields = {f: getattr(policy, f) for f in POLICY_FIELDS}
    new = SlaPolicy(channel=policy.channel, priority=policy.priority, active=True, created_at=now, **{**fields, **values})
    db.session.add(new)
    db.session.flush()
    db.session.add(SlaPolicyChange(previous_policy_id=policy.id, policy_id=new.id, changed_by_id=by.id, changed_at=now,
                                   changes={"channel": policy.channel, "priority": policy.priority, **changes}))
    return new


BREACH_WEBHOOK_NAME = "SLA breach webhook"


def breach_webhook() -> Any:
    """The subscription the SLA page's breach webhook field edits (one of the webhook subscriptions)."""
    from ...webhooks.models import WebhookSubscription

    return db.session.scalar(select(WebhookSubscription).where(WebhookSubscription.name == BREACH_WEBHOOK_NAME)
                             .order_by(WebhookSubscription.id))


def set_webhook_url(url: str, by: User) -> None:
    """The SLA page's shortcut to the "sla.breached" subscription: a URL creates or changes it, empty turns it off."""
    from ...webhooks.service import WebhookError, check_target, create_subscription

    url = url.strip()
    if url and not url.startswith(("http://", "https://")):
        raise PolicyError(N_("the webhook URL must start with http:// or https://"))
    if url:
        try:
            url = check_target(url, N_("the webhook URL"))
        except WebhookError as exc:
            raise PolicyError(message_of(exc)) from None
    current = breach_webhook()
    before = current.url if current is not None and current.active else ""
    if before == url:
        return
    db.session.add(SlaPolicyChange(changed_by_id=by.id, changed_at=utcnow(), changes={"sla_webhook_url": [before, url]}))
    # hosts only: a webhook URL often carries its secret in the path
    record("sla_webhook_changed", by, ("webhook_subscriptions", current.id if current else None, BREACH_WEBHOOK_NAME),
           {"from_host": urlsplit(before).hostname, "to_host": urlsplit(url).hostname})
    if current is None:
        create_subscription(BREACH_WEBHOOK_NAME, url, ["sla.breached"], by)
        return
    if url:
        current.url, current.active = url, True
        if "sla.breached" not in current.events:
            current.events = [*current.events, "sla.breached"]
    else:
        current.active = False
    db.session.commit()


def recent_changes(limit: int = 50) -> list[SlaPolicyChange]:
    return list(db.session.scalars(select(SlaPolicyChange).order_by(SlaPolicyChange.id.desc()).limit(limit)))
