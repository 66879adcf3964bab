"""Read side of the lead dashboard: the live queues (the inbox's own view definitions) and the team
metrics (SQL aggregates over the stored outcomes, see tickets.sla.metrics)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...auth.models import User
from ...extensions import db
from ..models import Ticket
from ..read.queries import view_conditions


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
    """Breached, at risk and unassigned exactly as the inbox's views of those names count them."""
    breached, at_risk, unassigned = (view_conditions(v, None, now) for v in ("breached", "at_risk", "unassigned"))

    def count(where) -> int:  # type: ignore[no-untyped-def]
        return db.session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0

    def some(where, order) -> list[Ticket]:  # type: ignore[no-untyped-def]
        return list(db.session.scalars(select(Ticket).where(*where).order_by(*order).limit(limit)
                                       .options(selectinload(Ticket.assignee))))

    per_agent = dict(db.session.execute(select(Ticket.assignee_id, func.count()).where(*view_conditions("open", None, now))
                                        .group_by(Ticket.assignee_id)).all())
    agents = list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)))
    load = [(u, per_agent.get(u.id, 0)) for u in agents] + [(None, per_agent.get(None, 0))]
    return Queues(
        count(breached), count(at_risk), count(unassigned),
        some(breached, (Ticket.due_at, Ticket.id)),
        some(at_risk, (Ticket.due_at, Ticket.id)),
        some(unassigned, (Ticket.opened_at, Ticket.id)),
        load,
    )


def user_names() -> dict[int | None, str]:
    names: dict[int | None, str] = {u.id: u.name for u in db.session.scalars(select(User))}
    names[None] = gettext("Unassigned")
    return names

