"""Per-ticket and day-by-day SLA exports as streamed CSV (UTF-8 with BOM, so spreadsheets read Japanese)."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..voice.csvsafe import safe_row
from .metrics import Aggregate, TicketFacts, durations
from .models import Contact, SlaPolicy, Ticket
from .policies import calendar_of
from .sla_clock import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION
from .sla_models import SlaBreach
from .sla_sync import replay_ticket

BOM = "\ufeff"
TICKET_COLUMNS = (
    "ticket_id", "channel", "customer", "status", "priority", "assignee", "created_at", "first_response_at", "resolved_at",
    "first_response_due_at", "first_response_outcome", "next_response_met", "next_response_missed",
    "resolution_due_at", "resolution_outcome", "frt_minutes", "frt_business_minutes", "ttr_minutes",
    "ttr_business_minutes", "first_sentiment", "last_sentiment", "tags",
)
SUMMARY_COLUMNS = (
    "date", "opened", "answered", "resolved", "frt_avg_minutes", "frt_avg_business_minutes", "ttr_avg_minutes",
    "ttr_avg_business_minutes", "sla_met", "sla_missed", "sla_compliance_pct", "breaches_recorded",
)


def day_range(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Local days `start`..`end` inclusive, as a UTC half-open range."""
    return (datetime.combine(start, time(0), tzinfo=zone).astimezone(timezone.utc),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc))


def _minutes(span: timedelta | None) -> str:
    return "" if span is None else f"{span.total_seconds() / 60:.1f}"


def _iso(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def _lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    first = True
    for row in rows:
        writer.writerow(safe_row(list(row)))
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        yield (BOM + text) if first else text
        first = False


def _tickets(start: datetime, end: datetime) -> Iterator[Ticket]:
    query = (
        select(Ticket)
        .where(Ticket.opened_at >= start, Ticket.opened_at < end)
        .order_by(Ticket.id)
        .options(selectinload(Ticket.events), selectinload(Ticket.contact).selectinload(Contact.identities),
                 selectinload(Ticket.sla_policy).selectinload(SlaPolicy.calendar), selectinload(Ticket.assignee),
                 selectinload(Ticket.tags))
        .execution_options(yield_per=500)
    )
    yield from db.session.scalars(query)


def _facts(ticket: Ticket, now: datetime) -> TicketFacts:
    policy = ticket.sla_policy
    cal = calendar_of(policy.calendar if policy is not None else None)
    return TicketFacts(ticket.id, ticket.channel, ticket.assignee_id, ticket.opened_at, replay_ticket(ticket, now), cal)


def ticket_rows(start: datetime, end: datetime, zone: ZoneInfo, now: datetime) -> Iterator[list[Any]]:
    yield list(TICKET_COLUMNS)
    for ticket in _tickets(start, end):
        facts = _facts(ticket, now)
        r, d = facts.replay, durations(facts)
        first, resolution = r.current(FIRST_RESPONSE), r.current(RESOLUTION)
        nexts = [c for c in r.clocks if c.target == NEXT_RESPONSE]
        who = ticket.contact.identities[0] if ticket.contact.identities else None
        yield [
            ticket.id, ticket.channel, who.handle if who else ticket.contact.display_name, ticket.status, ticket.priority,
            ticket.assignee.name if ticket.assignee else "", _iso(ticket.opened_at, zone), _iso(r.first_response_at, zone),
            _iso(r.resolved_at, zone), _iso(first.due_at if first else None, zone), first.outcome if first else "",
            sum(1 for c in nexts if c.outcome == "met"), sum(1 for c in nexts if c.outcome in ("missed", "breached")),
            _iso(resolution.due_at if resolution else None, zone), resolution.outcome if resolution else "",
            _minutes(d.first_response[0] if d.first_response else None), _minutes(d.first_response[1] if d.first_response else None),
            _minutes(d.resolution[0] if d.resolution else None), _minutes(d.resolution[1] if d.resolution else None),
            ticket.first_sentiment or "", ticket.last_sentiment or "", "; ".join(tag.name for tag in ticket.tags),
        ]


def summary_rows(start: datetime, end: datetime, zone: ZoneInfo, now: datetime) -> Iterator[list[Any]]:
    """One row per local day in the range (tickets by the day they were opened; breaches by the day recorded)."""
    days: dict[date, Aggregate] = defaultdict(Aggregate)
    for ticket in _tickets(start, end):
        facts = _facts(ticket, now)
        days[ticket.opened_at.astimezone(zone).date()].add(durations(facts))
    breaches: dict[date, int] = defaultdict(int)
    for at, in db.session.execute(select(SlaBreach.breached_at).where(SlaBreach.breached_at >= start, SlaBreach.breached_at < end)):
        breaches[at.astimezone(zone).date()] += 1
    yield list(SUMMARY_COLUMNS)
    day, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()
    while day <= last:
        a = days.get(day, Aggregate())
        compliance = a.compliance
        yield [day.isoformat(), a.tickets, len(a.frt), a.resolved, _minutes(a.frt_mean()), _minutes(a.frt_mean(True)),
               _minutes(a.ttr_mean()), _minutes(a.ttr_mean(True)), a.met, a.missed,
               "" if compliance is None else f"{compliance:.1f}", breaches.get(day, 0)]
        day += timedelta(days=1)


def ticket_csv(start: datetime, end: datetime, zone: ZoneInfo, now: datetime) -> Iterator[str]:
    return _lines(ticket_rows(start, end, zone, now))


def summary_csv(start: datetime, end: datetime, zone: ZoneInfo, now: datetime) -> Iterator[str]:
    return _lines(summary_rows(start, end, zone, now))


def count_tickets(start: datetime, end: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.opened_at >= start, Ticket.opened_at < end)) or 0
