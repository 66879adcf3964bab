"""The one writer of SLA state: replays a ticket's clocks and writes what they say.

`refresh(ticket)` is the only code that computes due times and states. It writes the ticket's SLA
columns (a cache the inbox list, its indexes and the sweep read) and the ticket's `sla_outcomes`
row (what the dashboard and the CSV aggregate). It runs for every ticket that changed, inside the
flush that saves the change (`refresh_touched`, called by the one set of session hooks in tickets.hooks,
for rows added one by one and for rows a bulk writer announced with `expect`), so the cache is never
behind the events it is computed from. The sweep only records what the clocks already say.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from ...config import workspace_zone
from ...extensions import db
from ...timeutil import utcnow
from ..events import EventType
from ..models import SlaPolicy, Ticket, TicketEvent
from ..signals import announce, sla_breached
from .calendar import business_time_between
from .clock import ClockEvent, ClockResult, PolicyTerms, Replay, replay
from .models import SlaBreach, SlaOutcome
from .policies import PolicyBook, calendar_of
from .targets import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION

# ticket columns whose change is copied into the outcome row (the dashboard groups by them)
_COPIED = ("assignee_id", "channel")
# session.info keys: history rows bulk writers announced per ticket, and the policy book they read them with
_EXPECTED = "inbox_sla_expected"
_MISSED = "inbox_sla_missed"
_BOOK = "inbox_sla_book"


def _history(ticket: Ticket, pending: Sequence[Any] = ()) -> list[Any]:
    """The ticket's recorded events, then those being written with it (not yet in its collection)."""
    recorded = sorted(ticket.events, key=lambda e: (e.at, e.id is None, e.id or 0))
    return recorded + list(pending)


def policy_terms(ticket: Ticket, book: Any = None, pending: Sequence[Any] = ()) -> tuple[dict[int | None, PolicyTerms], int | None]:
    """Every policy version the ticket's history names, and the one it was opened under."""
    book = book or PolicyBook()
    ids: set[int] = set()
    initial: int | None = None
    for e in _history(ticket, pending):
        data = e.data or {}
        if e.type == EventType.CREATED and data.get("sla_policy") is not None:
            initial = data["sla_policy"] if initial is None else initial
        moved = data.get("sla_policy") if e.type == EventType.PRIORITY else (data if e.type == EventType.SLA_POLICY else None)
        if isinstance(moved, dict):
            ids.update(i for i in (moved.get("from"), moved.get("to")) if isinstance(i, int))
            if initial is None and isinstance(moved.get("from"), int):
                initial = moved["from"]
    if initial is None:
        initial = ticket.sla_policy_id
    if ticket.sla_policy_id is not None:
        ids.add(ticket.sla_policy_id)
    if initial is not None:
        ids.add(initial)
    terms = book.terms_by_id(ids)
    if ticket.sla_policy is not None and ticket.sla_policy_id not in terms:
        terms[ticket.sla_policy_id] = book.terms(ticket.sla_policy)
    return terms, initial


def replay_ticket(ticket: Ticket, now: datetime | None = None, book: Any = None, pending: Sequence[Any] = ()) -> Replay:
    """The ticket's clocks from its events, under the policy versions it lived under. `pending` are
    events being written in bulk with this change (anything with type, at and data)."""
    terms, initial = policy_terms(ticket, book, pending)
    events = [ClockEvent(e.type, e.at, e.data) for e in _history(ticket, pending)]
    return replay(events, terms, now or utcnow(), initial)


def refresh(ticket: Ticket, now: datetime | None = None, book: Any = None, zone: ZoneInfo | None = None,
            pending: Sequence[Any] = ()) -> Replay:
    """Write the ticket's SLA columns and outcome row from its replayed clocks; returns the replay."""
    now = now or utcnow()
    result = replay_ticket(ticket, now, book, pending)
    first, following, resolution = (result.current(t) for t in (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION))
    ticket.first_response_at = result.first_response_at
    ticket.first_response_due_at = first.due_at if first is not None else None
    ticket.next_response_due_at = following.due_at if following is not None and following.outcome in ("running", "breached") else None
    ticket.resolution_due_at = resolution.due_at if resolution is not None and resolution.outcome in ("running", "breached") else None
    deadline = result.next_deadline()
    open_ticket = ticket.status in ("new", "open", "pending")
    ticket.due_at = deadline.due_at if deadline is not None and open_ticket else None
    ticket.due_target = deadline.target if deadline is not None and open_ticket else None
    ticket.sla_warn_at = result.warn_at if open_ticket else None
    _write_outcome(ticket, result, book, zone or workspace_zone())
    return result


def _state(clock: Any) -> str:
    if clock is None or clock.outcome == "cancelled":
        return "none"
    return {"breached": "running"}.get(clock.outcome, clock.outcome)


def _write_outcome(ticket: Ticket, result: Replay, book: Any, zone: ZoneInfo) -> None:
    row: SlaOutcome | None = ticket.sla_outcome
    if row is None:
        row = SlaOutcome()
        ticket.sla_outcome = row
    cal = None
    if ticket.sla_policy is not None:
        cal = calendar_of(ticket.sla_policy.calendar)
    opened = ticket.opened_at
    local = opened.astimezone(zone)
    year, week, _ = local.isocalendar()
    row.channel, row.assignee_id, row.opened_at = ticket.channel, ticket.assignee_id, opened
    row.opened_day, row.opened_week = local.date(), f"{year}-W{week:02d}"

    first = result.current(FIRST_RESPONSE)
    row.first_response_state = _state(first)
    row.first_response_missed_reason = first.missed_reason if first is not None else None
    row.first_response_due_at = first.due_at if first is not None else None
    row.first_response_at = result.first_response_at
    row.frt_seconds, row.frt_business_seconds = _spans(opened, result.first_response_at, cal)

    nexts = [c for c in result.clocks if c.target == NEXT_RESPONSE]
    answered = [c for c in nexts if c.outcome in ("met", "missed") and c.missed_reason is None and c.stopped_at is not None
                and _is_reply(c, result)]
    row.next_response_met = sum(1 for c in nexts if c.outcome == "met")
    row.next_response_missed = sum(1 for c in nexts if c.outcome == "missed")
    row.next_response_answered = len(answered)
    row.nrt_seconds = sum((c.stopped_at - c.started_at).total_seconds() for c in answered)  # type: ignore[operator]
    row.nrt_business_seconds = sum(business_time_between(c.started_at, c.stopped_at, cal).total_seconds() for c in answered)  # type: ignore[arg-type]
    latest = nexts[-1] if nexts else None
    row.next_response_state = _state(latest) if latest is not None and latest.is_open else "none"
    row.next_response_due_at = latest.due_at if latest is not None and latest.is_open else None

    resolution = result.current(RESOLUTION)
    row.resolution_state = _state(resolution)
    row.resolution_due_at = resolution.due_at if resolution is not None else None
    row.resolved_at = result.resolved_at
    row.ttr_seconds, row.ttr_business_seconds = _spans(opened, result.resolved_at, cal)
    row.updated_at = utcnow()


def _is_reply(clock: Any, result: Replay) -> bool:
    """A next-response clock stopped by an answer (not by resolving while it was overdue)."""
    return result.resolved_at is None or clock.stopped_at != result.resolved_at


def _spans(start: datetime, end: datetime | None, cal: Any) -> tuple[float | None, float | None]:
    if end is None:
        return None, None
    return max((end - start).total_seconds(), 0.0), max(business_time_between(start, end, cal).total_seconds(), 0.0)


def _touched(session: Session) -> tuple[dict[int, Ticket], dict[int, Ticket]]:
    """Tickets with new events (replayed) and tickets whose assignee or channel moved (copied to their row)."""
    replayed: dict[int, Ticket] = {}
    copied: dict[int, Ticket] = {}
    for obj in session.new:
        if isinstance(obj, TicketEvent):
            ticket = obj.ticket
            if ticket is None and obj.ticket_id is not None:
                ticket = session.get(Ticket, obj.ticket_id)
                if ticket is not None and obj not in ticket.events:
                    ticket.events.append(obj)  # added by id only: the replay reads the collection
            if ticket is not None:
                replayed[id(ticket)] = ticket
    for obj in session.dirty:
        if isinstance(obj, Ticket) and id(obj) not in replayed:
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _COPIED):
                copied[id(obj)] = obj
    return replayed, copied


def expect(session: Session, ticket: Ticket, events: Sequence[Any], book: Any = None) -> None:
    """History rows a bulk writer inserts for `ticket` after the next flush (not ORM objects): the writer
    replays them with the ticket's recorded events at that flush, as it does rows added one by one."""
    expected: dict[int, tuple[Ticket, list[Any]]] = session.info.setdefault(_EXPECTED, {})
    _ticket, events_so_far = expected.setdefault(id(ticket), (ticket, []))
    events_so_far.extend(events)
    if book is not None:
        session.info[_BOOK] = book


def refresh_touched(session: Session) -> None:
    """Before each flush (tickets.hooks): every ticket with new history rows — added to the session, or
    announced by `expect` — gets its SLA state replayed and written in that flush; a ticket whose assignee
    or channel moved has them copied to its outcome row."""
    expected: dict[int, tuple[Ticket, list[Any]]] = session.info.pop(_EXPECTED, {})
    book = session.info.pop(_BOOK, None)
    replayed, copied = _touched(session)
    for key, (ticket, _events) in expected.items():
        replayed.setdefault(key, ticket)
        copied.pop(key, None)
    if not replayed and not copied:
        return
    now, book = utcnow(), book or PolicyBook()
    zone = workspace_zone()
    missed: list[tuple[Ticket, ClockResult]] = session.info.setdefault(_MISSED, [])
    with session.no_autoflush:
        for key, ticket in replayed.items():
            result = refresh(ticket, now, book, zone, pending=expected[key][1] if key in expected else ())
            missed += [(ticket, clock) for clock in result.clocks if _missed_deadline(clock)]
        for ticket in copied.values():
            row = ticket.sla_outcome
            if row is not None:
                row.assignee_id, row.channel = ticket.assignee_id, ticket.channel


def refresh_new(session: Session, tickets: Sequence[tuple[Any, Sequence[Any]]], book: Any = None) -> None:
    """Tickets a bulk writer inserts itself (plain objects with a Ticket's attributes, not in the session),
    each with the history rows it writes for them: their SLA columns and outcome row computed on them, as
    `refresh_touched` does at a flush. Their clocks that stopped late are breached by the next
    `record_missed_deadlines`, which the writer calls once the tickets have their ids."""
    if not tickets:
        return
    now, book, zone = utcnow(), book or PolicyBook(), workspace_zone()
    found: list[tuple[Any, ClockResult]] = []
    with session.no_autoflush:  # a flush now would take the late clocks found so far with it
        for ticket, events in tickets:
            result = refresh(ticket, now, book, zone, pending=events)
            found += [(ticket, clock) for clock in result.clocks if _missed_deadline(clock)]
    session.info.setdefault(_MISSED, []).extend(found)


def _missed_deadline(clock: ClockResult) -> bool:
    """A clock stopped after its deadline had passed: a reply that came late, a resolution without reply
    after the due time. (A running clock past its deadline is the sweep's to record.)"""
    return (clock.outcome == "missed" and clock.due_at is not None and clock.stopped_at is not None
            and clock.due_at <= clock.stopped_at)


def record_missed_deadlines(session: Session) -> None:
    """After each flush (tickets.hooks): a deadline missed before any sweep saw its clock running is
    breached now, by the event that stopped the clock: once (the breach's unique key is ticket, target and
    deadline, as for the sweep), stamped with the deadline, with its history row and its signal."""
    missed: list[tuple[Ticket, ClockResult]] = session.info.pop(_MISSED, None) or []
    rows = {(t.id, c.target, c.due_at): c for t, c in missed if t.id is not None}
    if not rows:
        return
    now = utcnow()
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = SlaBreach.__table__
    statement = (insert(table).values([{"ticket_id": ticket_id, "target": target, "due_at": due, "breached_at": due,
                                        "recorded_at": now} for ticket_id, target, due in rows])
                 .on_conflict_do_nothing(index_elements=["ticket_id", "target", "due_at"])
                 .returning(table.c.id, table.c.ticket_id, table.c.target, table.c.due_at))
    recorded = session.connection().execute(statement).all()
    if not recorded:
        return
    session.connection().execute(TicketEvent.__table__.insert(), [
        {"ticket_id": ticket_id, "type": EventType.SLA_BREACHED.value, "at": due, "actor_id": None,
         "data": {"target": target, "breach_id": breach_id}} for breach_id, ticket_id, target, due in recorded])
    for breach_id, ticket_id, target, due in recorded:
        announce(session, sla_breached, ticket_id, {"breach_id": breach_id, "target": target, "due_at": due.isoformat(),
                                                    "breached_at": due.isoformat(), "found": "event"}, due)


def rebuild(session: Session, ticket_ids: list[int] | None = None, chunk: int = 500) -> int:
    """Recompute the outcome rows and columns of these tickets (all when None), for migrations and repairs."""
    ids = ticket_ids if ticket_ids is not None else list(session.scalars(select(Ticket.id).order_by(Ticket.id)))
    book, now = PolicyBook(), utcnow()
    zone = workspace_zone()
    done = 0
    for start in range(0, len(ids), chunk):
        with session.no_autoflush:
            for ticket in session.scalars(
                select(Ticket).where(Ticket.id.in_(ids[start:start + chunk]))
                .options(selectinload(Ticket.events), selectinload(Ticket.sla_outcome),
                         selectinload(Ticket.sla_policy).selectinload(SlaPolicy.calendar))
            ):
                refresh(ticket, now, book, zone)
                done += 1
        session.flush()
    return done


def backfill(chunk: int = 2000) -> int:
    """Outcome rows (and fresh SLA columns) for every ticket that has none yet: after the migration that
    introduced them, or after tickets were loaded behind the application's back."""
    total, after = 0, 0
    while True:
        missing = list(db.session.scalars(
            select(Ticket.id).outerjoin(SlaOutcome, SlaOutcome.ticket_id == Ticket.id)
            .where(SlaOutcome.ticket_id.is_(None), Ticket.id > after).order_by(Ticket.id).limit(chunk)))
        if not missing:
            db.session.commit()  # end the read: a long-lived open transaction blocks TRUNCATE, VACUUM, migrations
            return total
        total += rebuild(db.session, missing)
        db.session.commit()
        after = missing[-1]


__all__ = ["backfill", "expect", "policy_terms", "rebuild", "record_missed_deadlines", "refresh", "refresh_touched",
           "replay_ticket"]
