"""The SLA sweep: set-based, so 100 k open tickets cost a handful of statements, not 100 k round trips.

Each run records what the replayed clocks (the ticket columns sla.outcomes writes) already say:
every running clock past its due time as a breach, and every deadline whose warning time has passed
as an at-risk warning, each exactly once (the unique key is ticket, target and due time, so a later
sweep, a retried job or two workers racing insert nothing twice). A breach is stamped with the
deadline it missed; the sweep's own time is when it was recorded. It adds a ticket event per breach
and announces each breach and warning (`sla_breached`, `sla_at_risk`) and the sweep itself
(`sla_swept`), sent once the sweep is committed: the in-app notifications (inbox.notifications),
webhooks and rules listen.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, bindparam, func, insert, literal, select, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnElement

from ...extensions import db
from ...timeutil import UtcDateTime, utcnow
from ..events import EventType
from ..models import OPEN_STATUSES, Ticket, TicketEvent
from ..signals import TicketSignal, announce, sla_at_risk, sla_breached, sla_swept
from .models import SlaBreach, SlaWarning
from .targets import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION

log = logging.getLogger(__name__)

_SIGNALS = {sla_at_risk.name: sla_at_risk, sla_breached.name: sla_breached}


@dataclass(frozen=True)
class SweepResult:
    swept_at: datetime
    breaches: int
    newly_breached: int
    newly_at_risk: int
    warnings: int = 0


def _insert_ignoring_duplicates(table, columns: list[str], source):  # type: ignore[no-untyped-def]
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        dialect_insert = postgresql_insert
    elif dialect == "sqlite":
        dialect_insert = sqlite_insert
    else:  # pragma: no cover - the two supported databases
        raise RuntimeError(f"unsupported database {dialect}")
    return dialect_insert(table).from_select(columns, source).on_conflict_do_nothing(
        index_elements=["ticket_id", "target", "due_at"]
    )


def _json_object(*pairs: ColumnElement) -> ColumnElement:
    name = "json_build_object" if db.session.get_bind().dialect.name == "postgresql" else "json_object"
    return getattr(func, name)(*pairs)


def sweep(now: datetime | None = None) -> SweepResult:
    """One transaction: breaches and warnings recorded once, a history row per breach, each announced."""
    now = now or utcnow()
    at = bindparam("swept_at", now, type_=UtcDateTime)
    is_open = Ticket.status.in_(OPEN_STATUSES)
    # due_at is the earliest running deadline (indexed with status), so it narrows every scan
    overdue = and_(is_open, Ticket.due_at <= at)
    running = (
        (FIRST_RESPONSE, Ticket.first_response_due_at, Ticket.first_response_at.is_(None)),
        (NEXT_RESPONSE, Ticket.next_response_due_at, true()),
        (RESOLUTION, Ticket.resolution_due_at, true()),
    )
    try:
        for target, due, condition in running:
            # stamped with the deadline it missed (breached_at = due_at); recorded_at says when we saw it
            source = select(Ticket.id, literal(target, String), due, due, at).where(overdue, due <= at, condition)
            db.session.execute(_insert_ignoring_duplicates(
                SlaBreach, ["ticket_id", "target", "due_at", "breached_at", "recorded_at"], source))
        fresh = SlaBreach.recorded_at == at
        breaches = db.session.scalar(select(func.count()).select_from(SlaBreach).where(fresh)) or 0
        if breaches:
            db.session.execute(insert(TicketEvent).from_select(
                ["ticket_id", "type", "at", "data"],
                select(SlaBreach.ticket_id, literal(EventType.SLA_BREACHED.value, String), SlaBreach.breached_at,
                       _json_object(literal("target", String), SlaBreach.target, literal("breach_id", String), SlaBreach.id))
                .where(fresh),
            ))
        warnings = _warn(is_open, at)
        newly_breached = db.session.scalar(select(func.count(func.distinct(SlaBreach.ticket_id))).where(fresh)) or 0
        newly_at_risk = warnings
        if breaches or warnings:
            for signal in swept_signals(now):
                announce(db.session, _SIGNALS[signal.type], signal.ticket_id, signal.data, signal.occurred_at)
            announce(db.session, sla_swept, None, {"swept_at": now.isoformat(), "breaches": breaches, "warnings": warnings}, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if breaches:
        log.info("SLA sweep at %s: %d new breach(es)", now.isoformat(), breaches)
    return SweepResult(now, breaches, newly_breached or 0, newly_at_risk or 0, warnings)


def _warn(is_open: ColumnElement, at) -> int:  # type: ignore[no-untyped-def]
    """Deadlines past their warning time and not yet missed: one warning each (its notifications are the
    listeners' business: whoever can still act hears of it)."""
    source = select(Ticket.id, Ticket.due_target, Ticket.due_at, at).where(
        is_open, Ticket.sla_warn_at <= at, Ticket.due_at > at, Ticket.due_target.is_not(None))
    db.session.execute(_insert_ignoring_duplicates(SlaWarning, ["ticket_id", "target", "due_at", "warned_at"], source))
    return db.session.scalar(select(func.count()).select_from(SlaWarning).where(SlaWarning.warned_at == at)) or 0


def swept_signals(swept_at: datetime) -> list[TicketSignal]:
    """The warnings and breaches one sweep recorded, as ticket signals (announced in the sweep's transaction)."""
    signals = [TicketSignal(sla_at_risk.name, w.ticket_id, {"target": w.target, "due_at": w.due_at.isoformat()}, w.warned_at)
               for w in db.session.scalars(select(SlaWarning).where(SlaWarning.warned_at == swept_at).order_by(SlaWarning.id))]
    signals += [TicketSignal(sla_breached.name, b.ticket_id, {"breach_id": b.id, "target": b.target, "due_at": b.due_at.isoformat(),
                                                          "breached_at": b.breached_at.isoformat(), "found": "sweep"}, b.recorded_at)
                for b in db.session.scalars(select(SlaBreach).where(SlaBreach.recorded_at == swept_at).order_by(SlaBreach.id))]
    return signals
