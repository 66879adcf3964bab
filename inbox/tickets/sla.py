"""SLA due times as pure functions of a policy's targets, a start time and a calendar."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .calendar import Calendar, add_business_time, end_of_business_day


@dataclass(frozen=True)
class SlaTargets:
    first_response: timedelta | None
    resolution: timedelta | None
    next_response: timedelta | None = None
    first_response_same_business_day: bool = False
    business_hours: bool = False
    warning_fraction: float = 0.8


@dataclass(frozen=True)
class DueTimes:
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None


def due_after(start: datetime, target: timedelta | None, targets: SlaTargets, cal: Calendar | None) -> datetime | None:
    if target is None:
        return None
    if targets.business_hours and cal is not None:
        return add_business_time(start, target, cal)
    return start + target


def due_times(opened_at: datetime, targets: SlaTargets, cal: Calendar | None) -> DueTimes:
    if targets.first_response_same_business_day and cal is not None:
        first = end_of_business_day(opened_at, cal)
    else:
        first = due_after(opened_at, targets.first_response, targets, cal)
    return DueTimes(first, due_after(opened_at, targets.resolution, targets, cal))


def sla_state(now: datetime, started_at: datetime, due_at: datetime | None, warning_fraction: float) -> str:
    """on_track, at_risk (past the warning fraction of the allowed time) or breached."""
    if due_at is None:
        return "on_track"
    if now >= due_at:
        return "breached"
    allowed = due_at - started_at
    if allowed > timedelta(0) and (now - started_at) >= allowed * warning_fraction:
        return "at_risk"
    return "on_track"


@dataclass(frozen=True)
class DefaultPolicy:
    channel: str
    targets: SlaTargets


# Common practice for small teams: social 4 h first response, SMS 2 h, email 24 h, phone same
# business day. Resolution targets are generous defaults an admin is expected to tune.
DEFAULT_POLICIES: tuple[DefaultPolicy, ...] = (
    DefaultPolicy("x", SlaTargets(timedelta(hours=4), timedelta(hours=24), timedelta(hours=4))),
    DefaultPolicy("mastodon", SlaTargets(timedelta(hours=4), timedelta(hours=24), timedelta(hours=4))),
    DefaultPolicy("bluesky", SlaTargets(timedelta(hours=4), timedelta(hours=24), timedelta(hours=4))),
    DefaultPolicy("sms", SlaTargets(timedelta(hours=2), timedelta(hours=24), timedelta(hours=2))),
    DefaultPolicy("email", SlaTargets(timedelta(hours=24), timedelta(hours=72), timedelta(hours=24))),
    DefaultPolicy("phone", SlaTargets(None, timedelta(hours=16), None, first_response_same_business_day=True, business_hours=True)),
    DefaultPolicy("other", SlaTargets(timedelta(hours=24), timedelta(hours=72), timedelta(hours=24))),
)


def next_deadline(
    status: str,
    first_response_at: datetime | None,
    first_response_due_at: datetime | None,
    next_response_due_at: datetime | None,
    resolution_due_at: datetime | None,
) -> datetime | None:
    """The deadline the team must meet next; orders the inbox by urgency."""
    if status in ("resolved", "closed"):
        return None
    if first_response_at is None and first_response_due_at is not None:
        return first_response_due_at
    candidates = [d for d in (next_response_due_at, resolution_due_at) if d is not None]
    if status == "pending":
        # waiting on the customer: only the resolution clock is relevant
        candidates = [d for d in (resolution_due_at,) if d is not None]
    return min(candidates) if candidates else None
