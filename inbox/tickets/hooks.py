"""The one set of session hooks, installed by `create_app` through `tickets.install`.

For every transaction of the application's session:
- before each flush, the tickets whose history grows go to the SLA writer (`sla.outcomes`), which
  replays their clocks and writes their SLA columns and outcome row in the same flush — history rows
  added one by one and those a bulk writer announced with `outcomes.expect` alike;
- after each flush, what changed is noted (tickets, messages, notes, identities; the history rows and
  what they signal), and `tickets_flushed` is sent so that derived rows (the search documents) follow
  in the same transaction — once per flush, or once at the end for a writer that asked to `defer_flushed`;
- just before the commit, the days whose SLA outcome rows changed have their totals recounted
  (`sla.daily`), so the dashboard's per-day sums never differ from the rows;
- after the commit, the transaction's signals and one `tickets_changed` are sent (tickets.signals.send).
A rollback forgets all of it.
"""
from __future__ import annotations

import logging
import threading
from contextvars import ContextVar
from typing import Any, Callable, Iterable, TypeVar

from blinker import NamedSignal
from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction
from sqlalchemy.orm.session import ORMExecuteState

from ..extensions import db
from .models import (
    OPEN_STATUSES,
    ContactIdentity,
    Message,
    Ticket,
    TicketEvent,
    TicketNote,
    ticket_tags,
)
from .signals import (
    BY_NAME,
    TicketChanges,
    TicketSignal,
    pending,
    signal_of_event,
    take_pending,
    tickets_changed,
    tickets_flushed,
)
from .sla import daily
from .sla.outcomes import record_missed_deadlines, refresh_touched

# execution option of a statement whose tickets the writer reports itself (note_change): not "bulk"
ROWS_REPORTED = "inbox_rows_reported"
_CHANGES = "inbox_ticket_changes"
_BULK = "inbox_ticket_changes_bulk"
_NOTED = "inbox_flush_noted"
_DEFERRED = "inbox_flush_deferred"
_MISSED = "inbox_sla_missed"  # sla.outcomes: clocks that stopped after their deadline, recorded after the flush
# statements that change many rows at once and name no ticket (the sweep's UPDATE tickets ...)
_BULK_TABLES = frozenset({"tickets", "ticket_events", "ticket_notes", ticket_tags.name})
# a commit that touches a ticket in several ways is reported by the most telling kind
_KIND_RANK = {"created": 0, "message": 1, "note": 2, "updated": 3, "event": 4}

log = logging.getLogger(__name__)
_T = TypeVar("_T")
# what receivers looked up while one commit's signals are being sent (see `once_per_send`)
_send_memo: ContextVar[dict[str, Any] | None] = ContextVar("inbox_signal_memo", default=None)
_install_lock = threading.Lock()
_installed = False


class Flushed:
    """What flushes changed, for the receivers of `tickets_flushed` (inside the flushing transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # tickets created, with messages added, moved or edited, given to another contact, opened or closed
        self.tickets: set[int] = set()
        # contacts whose identities were added or renamed
        self.contacts: set[int] = set()


def install() -> None:
    """Once per process, on the application's session class."""
    global _installed
    with _install_lock:
        if _installed:
            return
        event.listen(db.session, "before_flush", _before_flush)
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "after_flush_postexec", _after_flush_postexec)
        event.listen(db.session, "do_orm_execute", _on_execute)
        event.listen(db.session, "before_commit", daily.recount_days)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_transaction_end", _after_transaction_end)
        _installed = True


def note_change(session: Session, ticket_id: int, kind: str) -> None:
    """For rows a service writes in bulk (no ORM objects to see at flush): reported after the commit."""
    _note(session.info.setdefault(_CHANGES, {}), ticket_id, kind)


def defer_flushed(session: Session) -> None:
    """A writer that flushes several times and inserts rows in bulk (ingest) has `tickets_flushed` sent
    once, when it calls `send_flushed`, instead of after every flush."""
    session.info[_DEFERRED] = True


def send_flushed(session: Session, ticket_ids: Iterable[int] = ()) -> None:
    """Send the deferred `tickets_flushed`, with these tickets besides what the flushes noted."""
    session.info.pop(_DEFERRED, None)
    noted = _noted(session)
    noted.tickets.update(ticket_ids)
    _send_noted(session)


def _noted(session: Session) -> Flushed:
    noted = session.info.get(_NOTED)
    if noted is None:
        noted = session.info[_NOTED] = Flushed(session)
    return noted


def _note(changes: dict[int, str], ticket_id: Any, kind: str) -> None:
    if not isinstance(ticket_id, int):
        return
    current = changes.get(ticket_id)
    if current is None or _KIND_RANK[kind] < _KIND_RANK[current]:
        changes[ticket_id] = kind


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    refresh_touched(session)


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    daily.days_written(session)
    changes: dict[int, str] = session.info.setdefault(_CHANGES, {})
    noted = _noted(session)
    signals = pending(session)
    for obj in session.new:
        if isinstance(obj, Ticket):
            _note(changes, obj.id, "created")
            noted.tickets.add(obj.id)
        elif isinstance(obj, Message):
            _note(changes, obj.ticket_id, "message")
            if obj.ticket_id is not None:
                noted.tickets.add(obj.ticket_id)
        elif isinstance(obj, TicketNote):
            _note(changes, obj.ticket_id, "note")
        elif isinstance(obj, TicketEvent):
            _note(changes, obj.ticket_id, "event")
            if obj.ticket_id is not None:
                found = signal_of_event(obj.type, obj.ticket_id, obj.data, obj.actor_id, obj.at)
                if found is not None:
                    signals.append(found)
        elif isinstance(obj, ContactIdentity):
            noted.contacts.add(obj.contact_id)
    for obj in session.dirty:
        if isinstance(obj, Ticket):
            # is_modified also sees collection changes, so adding or removing a tag counts
            if session.is_modified(obj):
                _note(changes, obj.id, "updated")
            if _changed(obj, "contact_id") or _crossed_open(obj):
                noted.tickets.add(obj.id)
        elif isinstance(obj, Message):
            if session.is_modified(obj):
                _note(changes, obj.ticket_id, "message")
            if obj.ticket_id is not None and _changed(obj, "ticket_id", "text"):
                noted.tickets.add(obj.ticket_id)
        elif isinstance(obj, ContactIdentity) and _changed(obj, "handle", "contact_id"):
            noted.contacts.add(obj.contact_id)
    for obj in session.deleted:
        if isinstance(obj, (Message, TicketNote, TicketEvent)):
            _note(changes, obj.ticket_id, "updated")


def _after_flush_postexec(session: Session, _flush: UOWTransaction) -> None:
    record_missed_deadlines(session)
    if not session.info.get(_DEFERRED):
        _send_noted(session)


def _send_noted(session: Session) -> None:
    noted: Flushed | None = session.info.pop(_NOTED, None)
    if noted is not None and (noted.tickets or noted.contacts):
        tickets_flushed.send(None, event=noted)


def _on_execute(state: ORMExecuteState) -> Any:
    """UPDATE/INSERT ... SELECT statements name no ticket: note "many changed" if any row was."""
    if not (state.is_update or state.is_insert or state.is_delete):
        return None
    if state.execution_options.get(ROWS_REPORTED):  # the writer names these tickets itself
        return None
    table = getattr(state.statement, "table", None)  # an annotated copy of the Table for ORM statements
    if getattr(table, "name", None) not in _BULK_TABLES:
        return None
    result = state.invoke_statement()
    if getattr(result, "rowcount", -1) != 0:
        state.session.info[_BULK] = True
    return result


def _after_commit(session: Session) -> None:
    signals = take_pending(session)
    changes = session.info.pop(_CHANGES, None) or {}
    bulk = session.info.pop(_BULK, False)
    for key in (_NOTED, _DEFERRED, _MISSED):
        session.info.pop(key, None)
    send(signals, TicketChanges(changes, bulk) if changes or bulk else None)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # the outermost transaction ended without a commit (rollback or close): its changes never happened
    if transaction.parent is None:
        daily.forget(session)
        for key in (_CHANGES, _BULK, _NOTED, _DEFERRED, _MISSED):
            session.info.pop(key, None)
        take_pending(session)


def _crossed_open(ticket: Ticket) -> bool:
    """Open ↔ pending keeps the search document; only opening or closing the ticket changes whether it has one."""
    history = inspect(ticket).attrs["status"].history
    if not history.has_changes():
        return False
    before = [value for value in history.deleted if value is not None]
    after = [value for value in history.added if value is not None]
    was_open = before[0] in OPEN_STATUSES if before else None
    is_open = after[-1] in OPEN_STATUSES if after else None
    return was_open is None or is_open is None or was_open != is_open


def _changed(obj: Any, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def send(signals: Iterable[TicketSignal], changes: TicketChanges | None = None) -> None:
    """Deliver committed signals to their receivers, each in an application context of its own."""
    items = sorted(signals, key=lambda s: s.occurred_at)
    if not items and changes is None:
        return
    if not has_app_context():
        _send(items, changes)
        return
    # a fresh context is a fresh db.session: receivers read and write in their own transactions, never
    # in the committing session, which can no longer talk to the database at this point
    with current_app.app_context():
        _send(items, changes)


def _send(items: list[TicketSignal], changes: TicketChanges | None) -> None:
    token = _send_memo.set({})
    try:
        for item in items:
            _robust(BY_NAME[item.type], item)
        if changes is not None:
            _robust(tickets_changed, changes)
    finally:
        _send_memo.reset(token)


def _robust(signal: NamedSignal, event: Any) -> None:
    for receiver in signal.receivers_for(None):
        try:
            receiver(None, event=event)
        except Exception:  # one receiver's failure must not undo the committed change or starve the others
            log.exception("receiver %s of %s failed", getattr(receiver, "__qualname__", receiver), signal.name)


def once_per_send(key: str, lookup: Callable[[], _T]) -> _T:
    """`lookup()` once for all the signals of one commit (an ingest batch sends hundreds): what a
    receiver checks before acting — the active webhook subscriptions, whether any rule is on —
    cannot change between them. Outside a send it is simply called."""
    memo = _send_memo.get()
    if memo is None:
        return lookup()
    if key not in memo:
        memo[key] = lookup()
    return memo[key]
