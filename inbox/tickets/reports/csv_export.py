"""Per-ticket and day-by-day SLA exports as streamed CSV (UTF-8 with BOM, so spreadsheets read Japanese)."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Iterator
from zoneinfo import ZoneInfo

from flask_babel import pgettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...csvsafe import safe_row
from ...extensions import db
from ..models import Contact, Ticket
from ..read.queries import view_conditions
from ..read.representation import sla_state
from ..sla.models import SlaBreach, SlaOutcome
from ..sla.targets import FIRST_RESPONSE, RESOLUTION
from .metrics import Aggregate, report

BOM = "\ufeff"
TICKET_COLUMNS = (
    "ticket_id", "channel", "customer", "status", "priority", "assignee", "created_at", "first_response_at", "resolved_at",
    "first_response_due_at", "first_response_outcome", "next_response_met", "next_response_missed",
    "resolution_due_at", "resolution_outcome", "frt_minutes", "frt_business_minutes", "ttr_minutes",
    "ttr_business_minutes", "first_sentiment", "last_sentiment", "tags", "sla_state", "kind",
)
SUMMARY_COLUMNS = (
    "date", "opened", "answered", "resolved", "frt_avg_minutes", "frt_avg_business_minutes", "ttr_avg_minutes",
    "ttr_avg_business_minutes", "sla_met", "sla_missed", "sla_compliance_pct", "breaches_recorded", "at_risk_now",
)


def column_titles() -> dict[str, str]:
    """Each column's title in the reader's language. In English the titles are the column names themselves
    (spreadsheets and scripts already refer to them); other languages get words (msgctxt "CSV column")."""
    return {
        "ticket_id": pgettext("CSV column", "ticket_id"),
        "channel": pgettext("CSV column", "channel"),
        "customer": pgettext("CSV column", "customer"),
        "status": pgettext("CSV column", "status"),
        "priority": pgettext("CSV column", "priority"),
        "assignee": pgettext("CSV column", "assignee"),
        "created_at": pgettext("CSV column", "created_at"),
        "first_response_at": pgettext("CSV column", "first_response_at"),
        "resolved_at": pgettext("CSV column", "resolved_at"),
        "first_response_due_at": pgettext("CSV column", "first_response_due_at"),
        "first_response_outcome": pgettext("CSV column", "first_response_outcome"),
        "next_response_met": pgettext("CSV column", "next_response_met"),
        "next_response_missed": pgettext("CSV column", "next_response_missed"),
        "resolution_due_at": pgettext("CSV column", "resolution_due_at"),
        "resolution_outcome": pgettext("CSV column", "resolution_outcome"),
        "frt_minutes": pgettext("CSV column", "frt_minutes"),
        "frt_business_minutes": pgettext("CSV column", "frt_business_minutes"),
        "ttr_minutes": pgettext("CSV column", "ttr_minutes"),
        "ttr_business_minutes": pgettext("CSV column", "ttr_business_minutes"),
        "first_sentiment": pgettext("CSV column", "first_sentiment"),
        "last_sentiment": pgettext("CSV column", "last_sentiment"),
        "tags": pgettext("CSV column", "tags"),
        "kind": pgettext("CSV column", "kind"),
        "date": pgettext("CSV column", "date"),
        "opened": pgettext("CSV column", "opened"),
        "answered": pgettext("CSV column", "answered"),
        "resolved": pgettext("CSV column", "resolved"),
        "frt_avg_minutes": pgettext("CSV column", "frt_avg_minutes"),
        "frt_avg_business_minutes": pgettext("CSV column", "frt_avg_business_minutes"),
        "ttr_avg_minutes": pgettext("CSV column", "ttr_avg_minutes"),
        "ttr_avg_business_minutes": pgettext("CSV column", "ttr_avg_business_minutes"),
        "sla_met": pgettext("CSV column", "sla_met"),
        "sla_missed": pgettext("CSV column", "sla_missed"),
        "sla_compliance_pct": pgettext("CSV column", "sla_compliance_pct"),
        "breaches_recorded": pgettext("CSV column", "breaches_recorded"),
        "sla_state": pgettext("CSV column", "sla_state"),
        "at_risk_now": pgettext("CSV column", "at_risk_now"),
    }


def _header(columns: tuple[str, ...], titled: bool) -> list[str]:
    if not titled:
        return list(columns)
    titles = column_titles()
    return [titles.get(c, c) for c in columns]


def day_range(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Local days `start`..`end` inclusive, as a UTC half-open range."""
    return (datetime.combine(start, time(0), tzinfo=zone).astimezone(timezone.utc),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc))


def _minutes(span: timedelta | float | None) -> str:
    if span is None:
        return ""
    seconds = span.total_seconds() if isinstance(span, timedelta) else span
    return f"{seconds / 60:.1f}"


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


def outcome_word(state: str, due: datetime | None, now: datetime, reason: str | None = None, at_risk: bool = False) -> str:
    """What a lead reads for one target: the same words as the ticket page's clocks. `at_risk`: this is
    the ticket's next deadline and its warning point has passed (the one meaning of at risk)."""
    if state == "none":
        return ""
    if state == "running" and due is not None and due <= now:
        return "breached"
    if state == "running" and at_risk:
        return "at_risk"
    if state == "missed" and reason:
        return f"missed: {reason}"
    return state


def ticket_rows(start: datetime, end: datetime, zone: ZoneInfo, now: datetime, titled: bool = False) -> Iterator[list[Any]]:
    yield _header(TICKET_COLUMNS, titled)
    query = (
        select(Ticket, SlaOutcome)
        .join(SlaOutcome, SlaOutcome.ticket_id == Ticket.id)
        .where(SlaOutcome.opened_at >= start, SlaOutcome.opened_at < end)
        .order_by(Ticket.id)
        .options(selectinload(Ticket.contact).selectinload(Contact.identities), selectinload(Ticket.assignee),
                 selectinload(Ticket.tags))
        .execution_options(yield_per=500)
    )
    for ticket, o in db.session.execute(query):
        who = ticket.contact.identities[0] if ticket.contact.identities else None
        next_missed = o.next_response_missed + (1 if o.next_response_state == "running" and o.next_response_due_at is not None
                                                and o.next_response_due_at <= now else 0)
        warned = ticket.sla_warn_at is not None and ticket.sla_warn_at <= now and ticket.is_open
        yield [
            ticket.id, ticket.channel, who.handle if who else ticket.contact.display_name, ticket.status, ticket.priority,
            ticket.assignee.name if ticket.assignee else "", _iso(ticket.opened_at, zone), _iso(o.first_response_at, zone),
            _iso(o.resolved_at, zone), _iso(o.first_response_due_at, zone),
            outcome_word(o.first_response_state, o.first_response_due_at, now, o.first_response_missed_reason,
                         warned and ticket.due_target == FIRST_RESPONSE),
            o.next_response_met, next_missed,
            _iso(o.resolution_due_at, zone),
            outcome_word(o.resolution_state, o.resolution_due_at, now, at_risk=warned and ticket.due_target == RESOLUTION),
            _minutes(o.frt_seconds), _minutes(o.frt_business_seconds), _minutes(o.ttr_seconds), _minutes(o.ttr_business_seconds),
            ticket.first_sentiment or "", ticket.last_sentiment or "", "; ".join(tag.name for tag in ticket.tags),
            sla_state(ticket, now), ticket.engagement or "",
        ]


def summary_rows(start: datetime, end: datetime, zone: ZoneInfo, now: datetime, titled: bool = False) -> Iterator[list[Any]]:
    """One row per local day in the range (tickets by the day they were opened; breaches by the day the
    deadline passed)."""
    days = report(start, end, now).by_day
    breaches: dict[date, int] = defaultdict(int)
    for at, in db.session.execute(select(SlaBreach.breached_at).where(SlaBreach.breached_at >= start, SlaBreach.breached_at < end)):
        breaches[at.astimezone(zone).date()] += 1
    # open tickets opened in the range whose next deadline has passed its warning point but not the deadline
    at_risk: dict[date, int] = defaultdict(int)
    for opened_day, count in db.session.execute(
            select(SlaOutcome.opened_day, func.count()).join(Ticket, Ticket.id == SlaOutcome.ticket_id)
            .where(SlaOutcome.opened_at >= start, SlaOutcome.opened_at < end, *view_conditions("at_risk", None, now))
            .group_by(SlaOutcome.opened_day)):
        at_risk[opened_day] += count
    yield _header(SUMMARY_COLUMNS, titled)
    day, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()
    while day <= last:
        a = days.get(day, Aggregate())
        compliance = a.compliance
        yield [day.isoformat(), a.tickets, a.answered, a.resolved, _minutes(a.frt_mean()), _minutes(a.frt_mean(True)),
               _minutes(a.ttr_mean()), _minutes(a.ttr_mean(True)), a.met, a.missed,
               "" if compliance is None else f"{compliance:.1f}", breaches.get(day, 0), at_risk.get(day, 0)]
        day += timedelta(days=1)


def ticket_csv(start: datetime, end: datetime, zone: ZoneInfo, now: datetime, titled: bool = False) -> Iterator[str]:
    """`titled`: the header row in the reader's language (column_titles) instead of the column names."""
    return _lines(ticket_rows(start, end, zone, now, titled))


def summary_csv(start: datetime, end: datetime, zone: ZoneInfo, now: datetime, titled: bool = False) -> Iterator[str]:
    return _lines(summary_rows(start, end, zone, now, titled))

