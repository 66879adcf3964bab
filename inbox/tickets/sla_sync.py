"""Keeps a ticket's due-time columns a projection of its recorded events.

Whenever a TicketEvent is flushed, the ticket's clocks are replayed (sla_clock) and its due times,
warning time and SLA state rewritten. Every writer (ingest, agent actions, replies) gets the same
rules without calling anything, and the sweep can work set-based on the columns.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..timeutil import utcnow
from .models import Ticket, TicketEvent
from .sla_clock import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION, ClockEvent, Replay, replay


def replay_ticket(ticket: Ticket, now: datetime | None = None) -> Replay:
    """The ticket's clocks from its events, under the policy version it was opened with."""
    from .policies import calendar_of, targets_of

    policy = ticket.sla_policy
    targets = targets_of(policy) if policy is not None else None
    cal = calendar_of(policy.calendar) if policy is not None and policy.calendar is not None else _default_calendar()
    # in the order things happened: a message fetched late (back-dated) still counts at its own time
    events = [ClockEvent(e.type, e.at, e.data) for e in sorted(ticket.events, key=lambda e: (e.at, e.id is None, e.id or 0))]
    return replay(events, targets, cal, now or utcnow())


def _default_calendar() -> Any:
    from .policies import calendar_of

    return calendar_of(None)


def state_at(result: Replay, now: datetime) -> str:
    due, warn = result.due_at, result.warn_at
    if due is not None and now >= due:
        return "breached"
    if warn is not None and now >= warn:
        return "at_risk"
    return "on_track"


def sync_ticket(ticket: Ticket, now: datetime | None = None) -> Replay:
    now = now or utcnow()
    result = replay_ticket(ticket, now)
    first = result.current(FIRST_RESPONSE)
    ticket.first_response_due_at = first.due_at if first is not None else None
    following = result.current(NEXT_RESPONSE)
    ticket.next_response_due_at = following.due_at if following is not None and following.outcome in ("running", "breached") else None
    resolution = result.current(RESOLUTION)
    ticket.resolution_due_at = resolution.due_at if resolution is not None and resolution.outcome in ("running", "breached") else None
    ticket.due_at = result.due_at
    ticket.sla_warn_at = result.warn_at
    ticket.sla_state = state_at(result, now)
    return result


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    touched: dict[int, Ticket] = {}
    for obj in list(session.new):
        if not isinstance(obj, TicketEvent):
            continue
        ticket = obj.ticket
        if ticket is None and obj.ticket_id is not None:
            ticket = session.get(Ticket, obj.ticket_id)
        if ticket is not None:
            touched[id(ticket)] = ticket
    if not touched:
        return
    try:
        current_app.config  # replay needs the configured time zone for the default calendar
    except RuntimeError:
        return
    now = utcnow()
    for ticket in touched.values():
        sync_ticket(ticket, now)


def install() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


install()
