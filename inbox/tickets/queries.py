"""Read-side queries for the inbox list and the ticket page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import OPEN_STATUSES, Contact, ContactIdentity, Message, Ticket

VIEWS = {
    "open": "All open",
    "resolved": "Resolved",
}
PAGE_SIZE = 50


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


def list_tickets(view: str, after: ListCursor | None = None, limit: int = PAGE_SIZE) -> tuple[list[Ticket], ListCursor | None]:
    """Open tickets by their next deadline (most urgent first, none last); resolved ones newest first."""
    query = select(Ticket).options(selectinload(Ticket.contact).selectinload(Contact.identities), selectinload(Ticket.account))
    if view == "resolved":
        query = query.where(Ticket.status == "resolved")
        if after:
            query = query.where(Ticket.id < after.ticket_id)
        query = query.order_by(Ticket.id.desc())
    else:
        query = query.where(Ticket.status.in_(OPEN_STATUSES))
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
