"""Read side of the lead dashboard: live queues from the ticket columns, metrics from replayed events."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..extensions import db
from .models import OPEN_STATUSES, SlaPolicy, Ticket
from .metrics import TicketFacts
from .policies import calendar_of
from .queries import AT_RISK_HORIZON
from .sla_sync import replay_ticket


@dataclass(frozen=True)
class Queues:
    breached: int
    at_risk: int
    unassigned: int
    breached_tickets: list[Ticket]
    at_risk_tickets: list[Ticket]
    unassigned_tickets: list[Ticket]
    load: list[tuple[User | None, int]]


def queues(now: datetime, limit: int = 10) -> Queues:
    is_open = Ticket.status.in_(OPEN_STATUSES)
    breached = (is_open, Ticket.sla_state == "breached")
    at_risk = (is_open, Ticket.sla_state != "breached", Ticket.due_at > now, Ticket.due_at <= now + AT_RISK_HORIZON)
    unassigned = (is_open, Ticket.assignee_id.is_(None))

    def count(*where) -> int:  # type: ignore[no-untyped-def]
        return db.session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0

    def some(*where, order) -> list[Ticket]:  # type: ignore[no-untyped-def]
        return list(db.session.scalars(select(Ticket).where(*where).order_by(*order).limit(limit)))

    per_agent = dict(db.session.execute(select(Ticket.assignee_id, func.count()).where(is_open).group_by(Ticket.assignee_id)).all())
    agents = list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)))
    load = [(u, per_agent.get(u.id, 0)) for u in agents] + [(None, per_agent.get(None, 0))]
    return Queues(
        count(*breached), count(*at_risk), count(*unassigned),
        some(*breached, order=(Ticket.due_at, Ticket.id)),
        some(*at_risk, order=(Ticket.due_at, Ticket.id)),
        some(*unassigned, order=(Ticket.opened_at, Ticket.id)),
        load,
    )


def ticket_facts(start: datetime, end: datetime, now: datetime) -> Iterator[TicketFacts]:
    """Tickets opened in [start, end), replayed; streamed in chunks so a long range stays in bounded memory."""
    query = (
        select(Ticket)
        .where(Ticket.opened_at >= start, Ticket.opened_at < end)
        .order_by(Ticket.id)
        .options(selectinload(Ticket.events), selectinload(Ticket.sla_policy).selectinload(SlaPolicy.calendar))
        .execution_options(yield_per=500)
    )
    default = calendar_of(None)
    for ticket in db.session.scalars(query):
        policy = ticket.sla_policy
        cal = calendar_of(policy.calendar) if policy is not None and policy.calendar is not None else default
        yield TicketFacts(ticket.id, ticket.channel, ticket.assignee_id, ticket.opened_at, replay_ticket(ticket, now), cal)


def user_names() -> dict[int | None, str]:
    names: dict[int | None, str] = {u.id: u.name for u in db.session.scalars(select(User))}
    names[None] = "Unassigned"
    return names


def default_range(now: datetime, weeks: int = 8) -> tuple[datetime, datetime]:
    return now - timedelta(weeks=weeks), now + timedelta(seconds=1)


def zone_name() -> str:
    return current_app.config["INBOX_TIMEZONE"]
