"""Read-side queries for the inbox list and the ticket page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Mapping

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..timeutil import utcnow
from .models import OPEN_STATUSES, Contact, ContactIdentity, Message, Ticket

VIEWS = {
    "open": "All open",
    "resolved": "Resolved",
}
# reached from the lead dashboard's numbers and bars; not tabs of their own
FILTER_VIEWS = {
    "breached": "Breached",
    "at_risk": "At risk in the next hour",
    "unassigned": "Unassigned",
    "all": "All tickets",
}
PAGE_SIZE = 50
AT_RISK_HORIZON = timedelta(hours=1)


@dataclass(frozen=True)
class ListCursor:
    """Keyset position: (due time, id) of the last row shown, so deep pages cost the same as the first."""

    due: datetime | None
    ticket_id: int

    def encode(self) -> str:
        due = "-" if self.due is None else f"{self.due.timestamp():.6f}"
        return f"{due}_{self.ticket_id}"

    @classmethod
    def decode(cls, raw: str | None) -> "ListCursor | None":
        if not raw or len(raw) > 64:
            return None
        try:
            due, ticket_id = raw.split("_", 1)
            at = None if due == "-" else datetime.fromtimestamp(float(due), timezone.utc)
            return cls(at, int(ticket_id))
        except (ValueError, OverflowError, OSError):
            return None


def view_counts() -> dict[str, int]:
    rows = dict(db.session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all())
    return {"open": sum(rows.get(s, 0) for s in OPEN_STATUSES), "resolved": rows.get("resolved", 0)}


@dataclass(frozen=True)
class TicketFilter:
    """Narrowing from the dashboard: ?channel=x&assignee=3&week=2026-W47 (opened that ISO week)."""

    channel: str | None = None
    assignee_id: int | None = None
    week_start: datetime | None = None
    week_end: datetime | None = None

    def apply(self, query):  # type: ignore[no-untyped-def]
        if self.channel:
            query = query.where(Ticket.channel == self.channel)
        if self.assignee_id is not None:
            # assignee=0 means "nobody"
            query = query.where(Ticket.assignee_id == self.assignee_id) if self.assignee_id else query.where(Ticket.assignee_id.is_(None))
        if self.week_start is not None and self.week_end is not None:
            query = query.where(Ticket.opened_at >= self.week_start, Ticket.opened_at < self.week_end)
        return query


    @property
    def active(self) -> bool:
        return self.channel is not None or self.assignee_id is not None or self.week_start is not None

    @classmethod
    def from_args(cls, args: Mapping[str, str], zone: tzinfo) -> "TicketFilter":
        """Unknown or malformed values are ignored, like any other hostile query string."""
        channel = (args.get("channel") or "").strip()[:16] or None
        assignee = args.get("assignee")
        assignee_id = int(assignee) if assignee and assignee.isdigit() and len(assignee) < 10 else None
        start = end = None
        week = args.get("week") or ""
        try:
            year, number = week.split("-W")
            monday = date.fromisocalendar(int(year), int(number), 1)
            start = datetime.combine(monday, time(0), tzinfo=zone).astimezone(timezone.utc)
            end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone).astimezone(timezone.utc)
        except ValueError:
            pass
        return cls(channel, assignee_id, start, end)


def list_tickets(view: str, after: ListCursor | None = None, limit: int = PAGE_SIZE,
                 filters: TicketFilter | None = None) -> tuple[list[Ticket], ListCursor | None]:
    """Open tickets by their next deadline (most urgent first, none last); resolved ones newest first."""
    query = select(Ticket).options(selectinload(Ticket.contact).selectinload(Contact.identities), selectinload(Ticket.account))
    if filters is not None:
        query = filters.apply(query)
    if view in ("resolved", "all"):
        query = query.where(Ticket.status == "resolved") if view == "resolved" else query
        if after:
            query = query.where(Ticket.id < after.ticket_id)
        query = query.order_by(Ticket.id.desc())
    else:
        query = query.where(Ticket.status.in_(OPEN_STATUSES))
        if view == "breached":
            query = query.where(Ticket.sla_state == "breached")
        elif view == "at_risk":
            now = utcnow()
            query = query.where(Ticket.sla_state != "breached", Ticket.due_at > now, Ticket.due_at <= now + AT_RISK_HORIZON)
        elif view == "unassigned":
            query = query.where(Ticket.assignee_id.is_(None))
        if after and after.due is None:
            query = query.where(Ticket.due_at.is_(None), Ticket.id > after.ticket_id)
        elif after:
            query = query.where(or_(Ticket.due_at > after.due, Ticket.due_at.is_(None), and_(Ticket.due_at == after.due, Ticket.id > after.ticket_id)))
        query = query.order_by(Ticket.due_at.asc().nulls_last(), Ticket.id.asc())
    rows = list(db.session.scalars(query.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = ListCursor(rows[-1].due_at, rows[-1].id)
    return rows, next_cursor


def ticket_page(ticket_id: int) -> Ticket | None:
    return db.session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .options(
            selectinload(Ticket.messages).selectinload(Message.corrections),
            selectinload(Ticket.events),
            selectinload(Ticket.contact).selectinload(Contact.identities),
        )
    )


def earlier_tickets(ticket: Ticket, limit: int = 10) -> list[Ticket]:
    return list(
        db.session.scalars(
            select(Ticket).where(Ticket.contact_id == ticket.contact_id, Ticket.id != ticket.id).order_by(Ticket.id.desc()).limit(limit)
        )
    )


def primary_identity(contact: Contact) -> ContactIdentity | None:
    return contact.identities[0] if contact.identities else None
