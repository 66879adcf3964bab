"""The SLA sweep: set-based, so 100 k open tickets cost a handful of statements, not 100 k round trips.

Each run records what the replayed clocks (the ticket columns sla.outcomes writes) already say:
every running clock past its due time as a breach, and every deadline whose warning time has passed
as an at-risk warning, each exactly once (the unique key is ticket, target and due time, so a later
sweep, a retried job or two workers racing insert nothing twice). A breach is stamped with the
deadline it missed; the sweep's own time is when it was recorded and notified. It adds a ticket
event and in-app notifications per breach and warning, and moves the tickets' cached state; once
committed, the recipients' open pages hear of the new notifications (live.alerts).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, and_, bindparam, case, cast, func, insert, literal, null, select, true, union_all
from sqlalchemy.sql.elements import ColumnElement

from ...auth.models import User
from ...extensions import db
from ...notifications.alerts import last_notification_id, publish_notifications
from ...timeutil import UtcDateTime, utcnow
from ..models import OPEN_STATUSES, Ticket, TicketEvent
from ..signals import TicketSignal
from ...notifications.models import Notification
from .models import SlaBreach, SlaWarning
from .targets import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION, TARGET_NAMES

log = logging.getLogger(__name__)


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
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - the two supported databases
        raise RuntimeError(f"unsupported database {dialect}")
    return dialect_insert(table).from_select(columns, source).on_conflict_do_nothing(
        index_elements=["ticket_id", "target", "due_at"]
    )


def _json_object(*pairs: ColumnElement) -> ColumnElement:
    name = "json_build_object" if db.session.get_bind().dialect.name == "postgresql" else "json_object"
    return getattr(func, name)(*pairs)


def sweep(now: datetime | None = None) -> SweepResult:
    """One transaction: breaches recorded once, events and notifications for them, states updated."""
    now = now or utcnow()
    at = bindparam("swept_at", now, type_=UtcDateTime)
    is_open = Ticket.status.in_(OPEN_STATUSES)
    # due_at is the earliest running deadline (indexed with status), so it narrows every scan
    overdue = and_(is_open, Ticket.due_at <= at)
    before = last_notification_id()
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
                select(SlaBreach.ticket_id, literal("sla_breached", String), SlaBreach.breached_at,
                       _json_object(literal("target", String), SlaBreach.target, literal("breach_id", String), SlaBreach.id))
                .where(fresh),
            ))
            _notify(fresh, at)
        warnings = _warn(is_open, at)
        newly_breached = db.session.scalar(select(func.count(func.distinct(SlaBreach.ticket_id))).where(fresh)) or 0
        newly_at_risk = warnings
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if breaches or warnings:
        # each recipient's open pages: the bell, and a browser notification if they asked for one
        publish_notifications(after_id=before)
    if breaches:
        log.info("SLA sweep at %s: %d new breach(es)", now.isoformat(), breaches)
    return SweepResult(now, breaches, newly_breached or 0, newly_at_risk or 0, warnings)


def _warn(is_open: ColumnElement, at) -> int:  # type: ignore[no-untyped-def]
    """Deadlines past their warning time and not yet missed: one warning each, to the assignee (or, for an
    unassigned ticket, to the leads), who can still act."""
    source = select(Ticket.id, Ticket.due_target, Ticket.due_at, at).where(
        is_open, Ticket.sla_warn_at <= at, Ticket.due_at > at, Ticket.due_target.is_not(None))
    db.session.execute(_insert_ignoring_duplicates(SlaWarning, ["ticket_id", "target", "due_at", "warned_at"], source))
    fresh = SlaWarning.warned_at == at
    count = db.session.scalar(select(func.count()).select_from(SlaWarning).where(fresh)) or 0
    if not count:
        return 0
    label = case(TARGET_NAMES, value=SlaWarning.target, else_=SlaWarning.target)
    text = literal("Ticket #", String) + cast(SlaWarning.ticket_id, String) + literal(": ", String) + label + literal(" at risk", String)
    assignees = (
        select(User.id, SlaWarning.ticket_id, null().cast(Integer), literal("sla_at_risk", String), text, at)
        .select_from(SlaWarning).join(Ticket, Ticket.id == SlaWarning.ticket_id).join(User, User.id == Ticket.assignee_id)
        .where(fresh, User.active.is_(True))
    )
    leads = (
        select(User.id, SlaWarning.ticket_id, null().cast(Integer), literal("sla_at_risk", String), text, at)
        .select_from(SlaWarning).join(Ticket, Ticket.id == SlaWarning.ticket_id)
        .join(User, and_(User.active.is_(True), User.role.in_(("lead", "admin"))))
        .where(fresh, Ticket.assignee_id.is_(None))
    )
    db.session.execute(insert(Notification).from_select(
        ["user_id", "ticket_id", "breach_id", "kind", "text", "created_at"], union_all(assignees, leads)))
    return count


def _notify(fresh: ColumnElement, at) -> None:  # type: ignore[no-untyped-def]
    """The assignee and every lead/admin hear of each breach once (it is inserted once)."""
    label = case(TARGET_NAMES, value=SlaBreach.target, else_=SlaBreach.target)
    text = literal("Ticket #", String) + cast(SlaBreach.ticket_id, String) + literal(": ", String) + label + literal(" target breached", String)
    # two equality joins instead of one OR join: the planner hashes both, even for thousands of breaches
    assignees = (
        select(User.id, SlaBreach.ticket_id, SlaBreach.id, literal("sla_breach", String), text, at)
        .select_from(SlaBreach)
        .join(Ticket, Ticket.id == SlaBreach.ticket_id)
        .join(User, User.id == Ticket.assignee_id)
        .where(fresh, User.active.is_(True), User.role.not_in(("lead", "admin")))
    )
    leads = (
        select(User.id, SlaBreach.ticket_id, SlaBreach.id, literal("sla_breach", String), text, at)
        .select_from(SlaBreach)
        .join(User, and_(User.active.is_(True), User.role.in_(("lead", "admin"))))
        .where(fresh)
    )
    recipients = union_all(assignees, leads)
    db.session.execute(insert(Notification).from_select(["user_id", "ticket_id", "breach_id", "kind", "text", "created_at"], recipients))


def swept_signals(swept_at: datetime) -> list[TicketSignal]:
    """The warnings and breaches one sweep recorded, as ticket signals (sent by the job after the commit)."""
    signals = [TicketSignal("sla.at_risk", w.ticket_id, {"target": w.target, "due_at": w.due_at.isoformat()}, w.warned_at)
               for w in db.session.scalars(select(SlaWarning).where(SlaWarning.warned_at == swept_at).order_by(SlaWarning.id))]
    signals += [TicketSignal("sla.breached", b.ticket_id, {"breach_id": b.id, "target": b.target, "due_at": b.due_at.isoformat(),
                                                          "breached_at": b.breached_at.isoformat()}, b.recorded_at)
                for b in db.session.scalars(select(SlaBreach).where(SlaBreach.recorded_at == swept_at).order_by(SlaBreach.id))]
    return signals
