"""What agents do to tickets. Each action is one transaction and one recorded event."""
from __future__ import annotations

from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow
from .models import Message, Ticket, TicketEvent


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
    from ..voice.surveys.service import invite_after_resolution

    invite_after_resolution(ticket, by)


def set_pending(ticket: Ticket, by: User) -> None:
    """Waiting on the customer: pauses the next-response and resolution clocks until they write back."""
    if ticket.status not in ("new", "open"):
        raise ActionError(f"only new or open tickets can be set pending (#{ticket.id} is {ticket.status})")
    now = utcnow()
    previous = ticket.status
    ticket.status = "pending"
    db.session.add(TicketEvent(ticket=ticket, type="status", actor_id=by.id, at=now, data={"from": previous, "to": "pending"}))
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


def correct_sentiment(message: "Message", label: str, by: User) -> None:
    """Store an agent's label for a customer message; the model's own label stays for comparison."""
    from .models import SENTIMENT_LABELS, SentimentCorrection

    if label not in SENTIMENT_LABELS:
        raise ActionError(f"sentiment must be one of {', '.join(SENTIMENT_LABELS)}")
    if message.direction != "inbound" or message.ticket is None:
        raise ActionError("only customer messages have a sentiment to correct")
    now = utcnow()
    previous = message.effective_sentiment
    db.session.add(SentimentCorrection(message=message, label=label, corrected_by_id=by.id, created_at=now))
    ticket = message.ticket
    db.session.add(TicketEvent(ticket=ticket, type="sentiment_corrected", actor_id=by.id, at=now,
                               data={"message_id": message.id, "from": previous, "to": label, "model": message.sentiment_model}))
    latest_inbound = max((m for m in ticket.messages if m.direction == "inbound"), key=lambda m: (m.sent_at, m.id), default=None)
    if latest_inbound is message:
        ticket.last_sentiment = label
    first_inbound = min((m for m in ticket.messages if m.direction == "inbound"), key=lambda m: (m.sent_at, m.id), default=None)
    if first_inbound is message:
        ticket.first_sentiment = label
    db.session.commit()
