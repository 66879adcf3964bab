"""Ticket rows for `inbox tickets --json` and exports, streamed."""
from __future__ import annotations

from typing import Any, Iterator

from sqlalchemy import select

from ...extensions import db
from ..models import ContactIdentity, Ticket


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def ticket_rows() -> Iterator[dict[str, Any]]:
    handle = (
        select(ContactIdentity.handle)
        .where(ContactIdentity.contact_id == Ticket.contact_id)
        .order_by(ContactIdentity.id)
        .limit(1)
        .scalar_subquery()
    )
    query = select(Ticket, handle).order_by(Ticket.id).execution_options(yield_per=500)
    for ticket, customer_handle in db.session.execute(query):
        yield {
            "id": ticket.id,
            "channel": ticket.channel,
            "status": ticket.status,
            "priority": ticket.priority,
            "customer_handle": customer_handle,
            "message_count": ticket.message_count,
            "sentiment": ticket.first_sentiment,
            "first_sentiment": ticket.first_sentiment,
            "created_at": _iso(ticket.opened_at),
            "first_response_due_at": _iso(ticket.first_response_due_at),
            "resolution_due_at": _iso(ticket.resolution_due_at),
        }
