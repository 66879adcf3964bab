"""What agents do to tickets. Each action is one transaction and one recorded event."""
from __future__ import annotations

from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow
from .models import Ticket, TicketEvent


class ActionError(ValueError):
    pass


def resolve_ticket(ticket: Ticket, by: User) -> None:
    if ticket.status in ("resolved", "closed"):
        raise ActionError(f"ticket #{ticket.id} is already {ticket.status}")
    now = utcnow()
    previous = ticket.status
    ticket.status = "resolved"
    ticket.resolved_at = now
    ticket.next_response_due_at = None
    ticket.refresh_due()
    db.session.add(TicketEvent(ticket=ticket, type="status", actor_id=by.id, at=now, data={"from": previous, "to": "resolved"}))
    db.session.commit()


def reopen_ticket(ticket: Ticket, by: User) -> None:
    if ticket.status != "resolved":
        raise ActionError(f"only resolved tickets can be reopened (#{ticket.id} is {ticket.status})")
    now = utcnow()
    ticket.status = "open"
    ticket.resolved_at = None
    ticket.refresh_due()
    db.session.add(TicketEvent(ticket=ticket, type="reopened", actor_id=by.id, at=now, data={"by": "agent"}))
    db.session.commit()
