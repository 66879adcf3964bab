"""What happened to tickets, as blinker signals sent once the change is committed.

One signal per event type (`SIGNALS`); a receiver gets `event=TicketSignal(...)`. The facts come from
where they are recorded: a session hook sees the ORM rows a flush writes (TicketEvent rows of status,
reopen, assignment and delivered replies; survey answers) and writers that insert in bulk say what
they wrote with `announce` (ingest: tickets created, customer messages received) or `send_now` after
their own commit (the SLA sweep: at-risk warnings and breaches). Nothing is sent for a transaction
that rolls back. Listeners connect in create_app (inbox.webhooks.dispatch, inbox.automation).
"""
from __future__ import annotations

import logging
import threading
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, TypeVar

from blinker import Namespace
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from ..timeutil import utcnow

log = logging.getLogger(__name__)

EVENT_TYPES: dict[str, str] = {
    "ticket.created": "Ticket created",
    "message.received": "Customer message received",
    "ticket.replied": "Reply delivered to the customer",
    "ticket.status_changed": "Status changed (pending, resolved, reopened)",
    "ticket.assigned": "Assigned or unassigned",
    "sla.at_risk": "SLA target at risk",
    "sla.breached": "SLA target breached",
    "survey.answered": "Satisfaction survey answered",
    "rule.fired": "An automation rule with the webhook action fired",
}
_namespace = Namespace()
SIGNALS = {name: _namespace.signal(name) for name in EVENT_TYPES}
_PENDING = "inbox_ticket_signals"
_T = TypeVar("_T")
# what listeners looked up while one commit's signals are being sent (see `once_per_send`)
_send_memo: ContextVar[dict[str, Any] | None] = ContextVar("inbox_signal_memo", default=None)
_install_lock = threading.Lock()
_installed = False


@dataclass(frozen=True)
class TicketSignal:
    type: str
    ticket_id: int
    data: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=utcnow)
    # one id per event, the same on every delivery and redelivery of it
    id: str = field(default_factory=lambda: f"evt_{uuid.uuid4().hex}")


def announce(session: Session, type_: str, ticket_id: int, data: dict[str, Any] | None = None,
             occurred_at: datetime | None = None) -> None:
    """Send `type_` for this ticket after the session's transaction commits (never if it rolls back)."""
    if type_ not in SIGNALS:
        raise ValueError(f"unknown event type {type_!r}")
    session.info.setdefault(_PENDING, []).append(TicketSignal(type_, ticket_id, data or {}, occurred_at or utcnow()))


def send_now(signals: list[TicketSignal]) -> None:
    """For writers that already committed (the sweep): deliver to the listeners now."""
    token = _send_memo.set({})
    try:
        for item in signals:
            try:
                SIGNALS[item.type].send(None, event=item)
            except Exception:  # a listener's failure must not undo or fail the committed change
                log.exception("listener of %s failed for ticket %s", item.type, item.ticket_id)
    finally:
        _send_memo.reset(token)


def once_per_send(key: str, lookup: Callable[[], _T]) -> _T:
    """`lookup()` once for all the signals of one commit (an ingest batch sends hundreds): what a
    listener checks before acting — the active webhook subscriptions, whether any rule is on —
    cannot change between them. Outside `send_now` it is simply called."""
    memo = _send_memo.get()
    if memo is None:
        return lookup()
    if key not in memo:
        memo[key] = lookup()
    return memo[key]


def _from_event(row: Any) -> TicketSignal | None:
    data = row.data or {}
    if row.type == "status":
        return TicketSignal("ticket.status_changed", row.ticket_id, {"from": data.get("from"), "to": data.get("to"),
                                                                     "actor_id": row.actor_id}, row.at)
    if row.type == "reopened":
        return TicketSignal("ticket.status_changed", row.ticket_id, {"from": "resolved", "to": "open", "actor_id": row.actor_id}, row.at)
    if row.type == "assignment":
        return TicketSignal("ticket.assigned", row.ticket_id, {"from": data.get("from"), "to": data.get("to"),
                                                               "how": data.get("how"), "actor_id": row.actor_id}, row.at)
    if row.type == "reply_delivered":
        return TicketSignal("ticket.replied", row.ticket_id, {"message_id": data.get("message_id"), "actor_id": row.actor_id}, row.at)
    return None


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    from ..voice.surveys.models import SurveyResponse
    from .models import TicketEvent

    pending: list[TicketSignal] | None = None
    for obj in session.new:
        found = None
        if isinstance(obj, TicketEvent) and obj.ticket_id is not None:
            found = _from_event(obj)
        elif isinstance(obj, SurveyResponse):
            found = TicketSignal("survey.answered", obj.ticket_id, {"response_id": obj.id, "csat": obj.csat,
                                                                    "extra_question": obj.extra_question or None,
                                                                    "extra_score": obj.extra_score}, obj.answered_at or utcnow())
        if found is not None:
            pending = pending if pending is not None else session.info.setdefault(_PENDING, [])
            pending.append(found)


def _after_commit(session: Session) -> None:
    signals = session.info.pop(_PENDING, None)
    if signals:
        send_now(sorted(signals, key=lambda s: s.occurred_at))


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def install() -> None:
    """Once per process, on the Flask-SQLAlchemy session class (create_app calls it)."""
    global _installed
    from ..extensions import db

    with _install_lock:
        if _installed:
            return
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_transaction_end", _after_transaction_end)
        _installed = True
