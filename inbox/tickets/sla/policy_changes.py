"""Admin changes to SLA policies and calendars; each change is recorded with who and when.

Policy rows are never edited: a change deactivates the current version and inserts a new one, so
tickets keep the targets they were opened under and new tickets get the new ones.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from ...audit import record
from ...auth.models import User
from ...extensions import db
from ...timeutil import utcnow
from ...translatable import N_
from ..models import PRIORITIES, BusinessCalendar, SlaPolicy
from .models import SlaPolicyChange

POLICY_FIELDS = ("first_response_minutes", "first_response_same_business_day", "next_response_minutes",
                 "resolution_minutes", "business_hours", "warning_fraction", "calendar_id")


class PolicyError(ValueError):
    """What is wrong with a form, and the field it is about (None: the form as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def active_policies() -> list[SlaPolicy]:
    return list(db.session.scalars(select(SlaPolicy).where(SlaPolicy.active.is_(True)).order_by(SlaPolicy.channel, SlaPolicy.priority, SlaPolicy.id)))


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
        raise PolicyError(N_("Nothing changed."))
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
        raise PolicyError(N_("This policy version has already been replaced or deleted."))
    policy.active = False
    db.session.add(SlaPolicyChange(previous_policy_id=policy.id, policy_id=None, changed_by_id=by.id, changed_at=utcnow(),
                                   changes={"channel": policy.channel, "priority": policy.priority, "deleted": True}))
    record("sla_policy_changed", by, ("sla_policies", policy.id, f"{policy.channel} {policy.priority or 'any priority'}"),
           {"deleted": True})
    db.session.commit()


def change_calendar(calendar: BusinessCalendar, tz: str, windows: Mapping[int, list[list[str]]], holidays: list[str],
                    by: User) -> BusinessCalendar:
    """Save a calendar edit as a new version (the policies that used it move to it); returns the calendar now in use.
    `windows`: open spans per weekday (0 = Monday) as ["09:00", "17:00"] pairs."""
    if calendar.retired_at is not None:
        raise PolicyError(N_("This calendar was replaced by a newer version; edit that one."))
    try:
        if len(tz) > 64:
            raise ValueError(tz)
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name no file system accepts
        raise PolicyError(N_("Unknown time zone %(tz)s; use a name like Asia/Tokyo.", tz=repr(tz[:64])), "timezone") from None
    parsed = {str(day): [list(span) for span in spans] for day, spans in windows.items() if spans}
    if not parsed:
        raise PolicyError(N_("A calendar needs at least one open window."), "windows_0")
    try:
        days = sorted({date.fromisoformat(h.strip()).isoformat() for h in holidays if h.strip()})
    except ValueError as exc:
        raise PolicyError(N_("Holidays are dates like 2026-12-25 (%(problem)s).", problem=str(exc)), "holidays") from None
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


def recent_changes(limit: int = 50) -> list[SlaPolicyChange]:
    return list(db.session.scalars(select(SlaPolicyChange).order_by(SlaPolicyChange.id.desc()).limit(limit)))
