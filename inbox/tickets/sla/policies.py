"""Loading SLA policies and calendars from the database into the pure rule types, and the defaults."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ...config import workspace_timezone
from ...extensions import db
from ..events import EventType
from ..models import BusinessCalendar, SlaPolicy, TicketEvent
from .calendar import Calendar, office_hours
from .clock import PolicyTerms
from .targets import DEFAULT_POLICIES, SlaTargets

DEFAULT_CALENDAR_NAME = "Office hours"


def _minutes(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(minutes=value)


def targets_of(policy: SlaPolicy) -> SlaTargets:
    return SlaTargets(
        first_response=_minutes(policy.first_response_minutes),
        resolution=_minutes(policy.resolution_minutes),
        next_response=_minutes(policy.next_response_minutes),
        first_response_same_business_day=policy.first_response_same_business_day,
        business_hours=policy.business_hours,
        warning_fraction=policy.warning_fraction,
    )


def calendar_of(row: BusinessCalendar | None) -> Calendar:
    if row is None:
        return office_hours(workspace_timezone())
    return Calendar.from_config(row.timezone, row.windows, row.holidays)


class PolicyBook:
    """Per-batch cache of the policy that applies to a channel and priority, and of policies' terms."""

    def __init__(self) -> None:
        self._policies: dict[str, list[SlaPolicy]] = {}
        self._calendars: dict[int | None, Calendar] = {}
        self._terms: dict[int, PolicyTerms] = {}

    def terms(self, policy: SlaPolicy) -> PolicyTerms:
        if policy.id not in self._terms:
            self._terms[policy.id] = PolicyTerms(targets_of(policy), self.calendar_for(policy))
        return self._terms[policy.id]

    def terms_by_id(self, ids: set[int]) -> dict[int | None, PolicyTerms]:
        missing = [i for i in ids if i is not None and i not in self._terms]
        if missing:
            for policy in db.session.scalars(select(SlaPolicy).where(SlaPolicy.id.in_(missing))):
                self.terms(policy)
        return {i: self._terms[i] for i in ids if i in self._terms}

    def policy_for(self, channel: str, priority: str) -> SlaPolicy | None:
        if channel not in self._policies:
            self._policies[channel] = list(
                db.session.scalars(
                    select(SlaPolicy).where(SlaPolicy.channel == channel, SlaPolicy.active.is_(True)).order_by(SlaPolicy.id.desc())
                )
            )
        candidates = self._policies[channel]
        for policy in candidates:
            if policy.priority == priority:
                return policy
        return next((p for p in candidates if p.priority is None), None)

    def calendar_for(self, policy: SlaPolicy) -> Calendar:
        if policy.calendar_id not in self._calendars:
            self._calendars[policy.calendar_id] = calendar_of(policy.calendar)
        return self._calendars[policy.calendar_id]


def seed_default_policies() -> int:
    """Create the default calendar and one policy per channel type if none exist; returns how many were added."""
    calendar = db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == DEFAULT_CALENDAR_NAME))
    if calendar is None:
        calendar = BusinessCalendar(
            name=DEFAULT_CALENDAR_NAME,
            timezone=workspace_timezone(),
            windows={str(day): [["09:00", "17:00"]] for day in range(5)},
            holidays=[],
        )
        db.session.add(calendar)
        db.session.flush()
    existing = set(db.session.scalars(select(SlaPolicy.channel)))
    added = 0
    for default in DEFAULT_POLICIES:
        if default.channel in existing:
            continue
        t = default.targets
        db.session.add(
            SlaPolicy(
                channel=default.channel,
                first_response_minutes=None if t.first_response is None else int(t.first_response.total_seconds() // 60),
                first_response_same_business_day=t.first_response_same_business_day,
                next_response_minutes=None if t.next_response is None else int(t.next_response.total_seconds() // 60),
                resolution_minutes=None if t.resolution is None else int(t.resolution.total_seconds() // 60),
                business_hours=t.business_hours,
                calendar_id=calendar.id,
                warning_fraction=t.warning_fraction,
            )
        )
        added += 1
    db.session.commit()
    return added


def apply_priority_policy(ticket: Any, priority: str, at: Any, by: Any = None, book: PolicyBook | None = None,
                          reason: str = "priority", record: Any = None) -> bool:
    """A raised (or lowered) priority brings its own policy when one is written for it, else the channel's
    default: the ticket's clocks are re-targeted from `at`, recorded as an "sla_policy" event (through
    `record(type, at, data, actor_id)` when the caller writes its events in bulk)."""
    book = book or PolicyBook()
    policy = book.policy_for(ticket.channel, priority)
    current = ticket.sla_policy
    if policy is None or current is None or policy.id == current.id:
        return False
    ticket.sla_policy = policy
    data = {"from": current.id, "to": policy.id, "priority": priority, "reason": reason}
    if record is not None:
        record(EventType.SLA_POLICY, at, data, getattr(by, "id", None))
    else:
        ticket.events.append(TicketEvent(type=EventType.SLA_POLICY, at=at, actor_id=getattr(by, "id", None), data=data))
    return True
