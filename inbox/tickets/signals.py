"""What happened to tickets, as blinker signals sent once the change is committed.

Every signal of the system is declared here. Services never call the packages that react to a change:
they commit, and the one after-commit hook (`tickets.hooks`, which also holds `send`) sends what the
transaction did:
- the history rows it wrote (`TicketEvent`, seen at flush; see `_FROM_EVENT` for which becomes which),
- what writers that insert in bulk `announce` (ingest: tickets created, customer messages received;
  the SLA sweep: at-risk warnings and breaches; surveys: answers; rules: what fired),
- `tickets_changed`, once per commit: which tickets changed and how (for live views and tab counts).
Nothing is sent for a transaction that rolls back. Receivers are connected by the `install` of their
own package, which `create_app` calls; each is called in an application context of its own (its
`db.session` is a fresh session), and one that fails is logged without touching the others.

`tickets_flushed` is the one signal sent inside the transaction (after each flush): receivers that keep
derived rows in step with the tickets (the search documents) write there, in the same transaction.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from blinker import NamedSignal, Namespace
from sqlalchemy.orm import Session

from ..timeutil import utcnow
from .events import EventType

log = logging.getLogger(__name__)

_namespace = Namespace()

# the events webhooks carry, named as the webhook API names them
ticket_created = _namespace.signal("ticket.created")
message_received = _namespace.signal("message.received")
reply_delivered = _namespace.signal("ticket.replied")
status_changed = _namespace.signal("ticket.status_changed")
assigned = _namespace.signal("ticket.assigned")
sla_at_risk = _namespace.signal("sla.at_risk")
sla_breached = _namespace.signal("sla.breached")
survey_answered = _namespace.signal("survey.answered")
rule_fired = _namespace.signal("rule.fired")
# internal
reply_queued = _namespace.signal("reply.queued")
reply_failed = _namespace.signal("reply.failed")
sla_swept = _namespace.signal("sla.swept")
tickets_changed = _namespace.signal("tickets.changed")
tickets_flushed = _namespace.signal("tickets.flushed")

# the signals a webhook subscription may ask for
PUBLIC_SIGNALS: dict[str, NamedSignal] = {s.name: s for s in (
    ticket_created, message_received, reply_delivered, status_changed, assigned, sla_at_risk, sla_breached,
    survey_answered, rule_fired)}
BY_NAME: dict[str, NamedSignal] = {**PUBLIC_SIGNALS, **{s.name: s for s in (reply_queued, reply_failed, sla_swept)}}

_PENDING = "inbox_ticket_signals"


@dataclass(frozen=True)
class TicketSignal:
    type: str  # the signal's name
    ticket_id: int | None  # None for what concerns no one ticket (a sweep)
    data: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=utcnow)
    # one id per event, the same on every delivery and redelivery of it
    id: str = field(default_factory=lambda: f"evt_{uuid.uuid4().hex}")


@dataclass(frozen=True)
class TicketChanges:
    """What one commit changed: ticket id → the most telling kind of change (created, message, note,
    updated, event); `bulk` when a set-based statement changed tickets it does not name."""

    tickets: dict[int, str]
    bulk: bool = False


def announce(session: Session, signal: NamedSignal, ticket_id: int | None, data: dict[str, Any] | None = None,
             occurred_at: datetime | None = None) -> None:
    """Send `signal` for this ticket after the session's transaction commits (never if it rolls back)."""
    if signal.name not in BY_NAME:
        raise ValueError(f"{signal.name!r} is not a ticket signal")
    pending(session).append(TicketSignal(signal.name, ticket_id, data or {}, occurred_at or utcnow()))


def pending(session: Session) -> list[TicketSignal]:
    return session.info.setdefault(_PENDING, [])


def take_pending(session: Session) -> list[TicketSignal]:
    return session.info.pop(_PENDING, None) or []


def signal_of_event(type_: str, ticket_id: int, data: dict[str, Any] | None, actor_id: int | None,
                    at: datetime) -> TicketSignal | None:
    """The signal a recorded history row stands for, if any."""
    data = data or {}
    if type_ == EventType.STATUS:
        return TicketSignal(status_changed.name, ticket_id, {"from": data.get("from"), "to": data.get("to"), "actor_id": actor_id,
                                                            **({"by": data["by"]} if "by" in data else {})}, at)
    if type_ == EventType.REOPENED:
        return TicketSignal(status_changed.name, ticket_id, {"from": "resolved", "to": "open", "actor_id": actor_id,
                                                            **({"by": data["by"]} if "by" in data else {})}, at)
    if type_ == EventType.ASSIGNMENT:
        return TicketSignal(assigned.name, ticket_id, {"from": data.get("from"), "to": data.get("to"), "how": data.get("how"),
                                                      "actor_id": actor_id}, at)
    if type_ == EventType.REPLY_DELIVERED:
        return TicketSignal(reply_delivered.name, ticket_id, {"message_id": data.get("message_id"), "actor_id": actor_id}, at)
    if type_ == EventType.REPLY_QUEUED:
        return TicketSignal(reply_queued.name, ticket_id, {"message_id": data.get("message_id"), "attempt": data.get("attempt", 0),
                                                          "actor_id": actor_id}, at)
    if type_ == EventType.REPLY_FAILED:
        return TicketSignal(reply_failed.name, ticket_id, {"message_id": data.get("message_id"), "actor_id": actor_id}, at)
    if type_ == EventType.CREATED:
        return TicketSignal(ticket_created.name, ticket_id, {}, at)
    return None
