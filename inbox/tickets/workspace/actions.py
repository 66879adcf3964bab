"""What agents do to tickets. Each action is one transaction and one recorded event.

Every public action has a private `_…` twin that checks, changes the ticket and adds its event without
committing, so bulk actions can apply many in one transaction. The checks all run before the first
change, so an action that raises leaves nothing behind.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from ...auth.models import User
from ...extensions import db
from ...labels import label as value_label
from ...timeutil import utcnow
from ..events import ANSWERS, EventType
from ..models import (
    ENGAGEMENTS,
    PRIORITIES,
    SENTIMENT_LABELS,
    EngagementCorrection,
    Message,
    SentimentCorrection,
    Ticket,
    TicketEvent,
)
from ..rules.engagement import is_stronger
from ..rules.status import Change, Status, StatusRefused, history_entry, next_status
from ..sla.policies import apply_priority_policy


class ActionError(ValueError):
    """An action that cannot be done as asked; `reason` is the short form bulk summaries group by."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class NotAllowed(ActionError):
    """The user's role does not allow this action (a 403 in the web UI)."""


def _event(ticket: Ticket, type_: EventType, by: User | None, at: datetime, data: dict) -> TicketEvent:
    event = TicketEvent(ticket=ticket, type=type_, actor_id=by.id if by is not None else None, at=at, data=data)
    db.session.add(event)
    return event


_REFUSED = {
    Change.RESOLVE: lambda ticket, status: (
        _("ticket #%(id)s is already %(status)s", id=ticket.id, status=status), _("already %(status)s", status=status)),
    Change.SET_PENDING: lambda ticket, status: (
        _("only new or open tickets can be set pending (#%(id)s is %(status)s)", id=ticket.id, status=status),
        _("is %(status)s", status=status)),
    Change.REOPEN: lambda ticket, status: (
        _("only resolved or pending tickets can be reopened (#%(id)s is %(status)s)", id=ticket.id, status=status),
        _("is %(status)s", status=status)),
}


def change_status(ticket: Ticket, change: Change, by: User | None, now: datetime) -> TicketEvent | None:
    """Apply one status change through the transition table (tickets.rules.status), recording it; no commit.
    A change the table refuses raises ActionError with the reason in the reader's words."""
    previous = ticket.status
    try:
        new = next_status(previous, change)
    except StatusRefused:
        message, reason = _REFUSED[change](ticket, value_label("status", previous))
        raise ActionError(message, reason) from None
    if new is None:
        return None
    ticket.status = new.value
    if new == Status.RESOLVED:
        ticket.resolved_at = now
    elif previous == Status.RESOLVED:
        ticket.resolved_at = None
    entry = history_entry(previous, new, change)
    return _event(ticket, entry[0], by, now, entry[1]) if entry is not None else None


def _resolve(ticket: Ticket, by: User, now: datetime) -> None:
    change_status(ticket, Change.RESOLVE, by, now)


def resolve_ticket(ticket: Ticket, by: User) -> None:
    """Resolved: the clocks stop; the channel's satisfaction survey follows (voice.surveys listens)."""
    _resolve(ticket, by, utcnow())
    db.session.commit()


def _set_pending(ticket: Ticket, by: User | None, now: datetime) -> None:
    change_status(ticket, Change.SET_PENDING, by, now)


def set_pending(ticket: Ticket, by: User) -> None:
    """Waiting on the customer: pauses the clocks until they write back."""
    _set_pending(ticket, by, utcnow())
    db.session.commit()


def _reopen(ticket: Ticket, by: User, now: datetime) -> None:
    change_status(ticket, Change.REOPEN, by, now)


def reopen_ticket(ticket: Ticket, by: User) -> None:
    """Resolved → open (the resolution clock resumes); pending → open (the paused clocks run again)."""
    _reopen(ticket, by, utcnow())
    db.session.commit()


def _set_priority(ticket: Ticket, priority: str, by: User, now: datetime) -> None:
    if priority not in PRIORITIES:
        raise ActionError(_("priority must be one of %(choices)s", choices=", ".join(value_label("priority", p) for p in PRIORITIES)),
                          _("unknown priority"))
    if priority == ticket.priority:
        raise ActionError(_("ticket #%(id)s already has priority %(priority)s", id=ticket.id, priority=value_label("priority", priority)),
                          _("already %(priority)s", priority=value_label("priority", priority)))
    data: dict = {"from": ticket.priority, "to": priority}
    ticket.priority = priority
    _event(ticket, EventType.PRIORITY, by, now, data)
    # a policy written for this priority (say, urgent X tickets answered within 30 minutes) takes over
    # from now on: the running clocks are re-targeted, the time already used counts against them
    apply_priority_policy(ticket, priority, now, by, reason="priority changed by an agent")


def set_priority(ticket: Ticket, priority: str, by: User) -> None:
    _set_priority(ticket, priority, by, utcnow())
    db.session.commit()


def correct_sentiment(message: "Message", label: str, by: User) -> None:
    """Store an agent's label for a customer message; the model's own label stays for comparison."""
    if label not in SENTIMENT_LABELS:
        raise ActionError(_("sentiment must be one of %(choices)s", choices=", ".join(value_label("sentiment", s) for s in SENTIMENT_LABELS)))
    if message.direction != "inbound" or message.ticket is None:
        raise ActionError(_("only customer messages have a sentiment to correct"))
    now = utcnow()
    previous = message.effective_sentiment
    db.session.add(SentimentCorrection(message=message, label=label, corrected_by_id=by.id, created_at=now))
    ticket = message.ticket
    _event(ticket, EventType.SENTIMENT_CORRECTED, by, now,
           {"message_id": message.id, "from": previous, "to": label, "model": message.sentiment_model})
    latest_inbound = max((m for m in ticket.messages if m.direction == "inbound"), key=lambda m: (m.sent_at, m.id), default=None)
    if latest_inbound is message:
        ticket.last_sentiment = label
    first_inbound = min((m for m in ticket.messages if m.direction == "inbound"), key=lambda m: (m.sent_at, m.id), default=None)
    if first_inbound is message:
        ticket.first_sentiment = label
    db.session.commit()


def has_delivered_reply(ticket: Ticket) -> bool:
    """Whether the customer got any answer: a delivered reply, the brand's own post, or one given outside Inbox."""
    return any(e.type in ANSWERS or (e.type == EventType.NETWORK_REPLY and (e.data or {}).get("source") == "network")
               for e in ticket.events)


def mark_answered_outside(ticket: Ticket, by: User, at: datetime, how: str) -> None:
    """The customer was answered where Inbox cannot send (a phone call, an SMS from a handset): recorded
    with who said so and when it happened, and counted as the reply at that time."""
    now = utcnow()
    how = " ".join(how.split())[:500]
    if not how:
        raise ActionError(_("say how the customer was answered (for example: called them back)"))
    if at.tzinfo is None:
        raise ActionError(_("the time needs a time zone"))
    if at > now:
        raise ActionError(_("that time is in the future"))
    if at < ticket.opened_at:
        raise ActionError(_("that time is before the ticket was opened"))
    _event(ticket, EventType.ANSWERED_OUTSIDE, by, at, {"how": how, "recorded_at": now.isoformat()})
    change_status(ticket, Change.ANSWERED, by, now)
    db.session.commit()


def correct_engagement(ticket: Ticket, kind: str, by: User) -> None:
    """An agent sets the ticket's kind; later messages no longer change it. The correction is stored
    with the message whose kind the ticket had taken, so a retrain can learn from it."""
    if kind not in ENGAGEMENTS:
        raise ActionError(_("kind must be one of %(choices)s", choices=", ".join(value_label("engagement", k) for k in ENGAGEMENTS)))
    now = utcnow()
    previous = ticket.engagement
    source = None
    for message in ticket.messages:
        if message.direction == "inbound" and message.engagement is not None and (
                source is None or is_stronger(message.engagement, source.engagement)):
            source = message
    db.session.add(EngagementCorrection(ticket_id=ticket.id, message_id=source.id if source else None, label=kind,
                                        previous=previous, corrected_by_id=by.id, created_at=now))
    ticket.engagement = kind
    ticket.engagement_by_agent = True
    _event(ticket, EventType.ENGAGEMENT_CORRECTED, by, now, {"from": previous, "to": kind})
    db.session.commit()
