"""Tell live views which tickets changed, once the change is committed.

A SQLAlchemy session hook does it, so no service has to remember: `after_flush` collects the ids of
tickets touched by Ticket, Message, TicketNote, TicketEvent or ticket_tags changes, `after_commit`
publishes them on the Redis channel `inbox:tickets`, and a rollback drops them. The web process and
the RQ worker both build the app with `create_app`, which installs the hook.

Publishing is best effort: the data is committed either way, a lost notification only delays a
refresh (a reconnecting browser catches up through the sequence number), so a Redis failure is
logged and never reaches the caller.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.client import PubSub
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction
from sqlalchemy.orm.session import ORMExecuteState

log = logging.getLogger(__name__)

TICKET_CHANNEL = "inbox:tickets"
SEQUENCE_KEY = "inbox:tickets:seq"
# more tickets than this in one commit (a bulk action, the SLA sweep) become one "bulk" message
MAX_TICKETS_PER_COMMIT = 50
# after a failed publish, skip publishing for this long: a Redis outage must not add a timeout to every commit
BACKOFF_SECONDS = 5.0

# execution option for a statement on tickets the same flush already reports (counter increments)
ROWS_REPORTED = "inbox_live_rows_reported"
_PENDING = "inbox_live_changes"
_BULK = "inbox_live_bulk"
# statements that change many rows at once and name no ticket (the sweep's UPDATE tickets ...)
_BULK_TABLES = frozenset({"tickets", "ticket_events", "ticket_notes", "ticket_tags"})
# a commit that touches a ticket in several ways is reported by the most telling kind
_KIND_RANK = {"created": 0, "message": 1, "note": 2, "updated": 3, "event": 4}

# Each message gets the next number of SEQUENCE_KEY in the same atomic step as it is published, so
# "what was the last number" tells a reconnecting browser whether it missed anything.
_PUBLISH_SCRIPT = """
local last = 0
for i, payload in ipairs(ARGV) do
  last = redis.call('INCR', KEYS[1])
  redis.call('PUBLISH', KEYS[2], '{"seq":' .. last .. ',' .. string.sub(payload, 2))
end
return last
"""

_install_lock = threading.Lock()
_installed = False


class Live:
    """One app's Redis side of live updates; clients are made on first use, never at import."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._client: Redis | None = None
        self._subscriber: Redis | None = None
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def redis(self) -> Redis:
        """For publishing and presence: short timeouts, so a stuck Redis cannot hold a request."""
        if self._client is None:
            from ..redis_client import redis_url

            self._client = Redis.from_url(redis_url(self._app), socket_connect_timeout=2, socket_timeout=2)
        return self._client

    def subscribe(self) -> PubSub:
        """A subscription to the ticket, presence and notification channels (its own connection, no read timeout: it waits)."""
        if self._subscriber is None:
            from ..redis_client import redis_url

            self._subscriber = Redis.from_url(redis_url(self._app), socket_connect_timeout=2, health_check_interval=0)
        from ..redis_client import pubsub_channel
        from ..notifications.alerts import NOTIFY_CHANNEL
        from .presence import PRESENCE_CHANNEL

        pubsub = self._subscriber.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(*(pubsub_channel(self._subscriber, c) for c in (TICKET_CHANNEL, PRESENCE_CHANNEL, NOTIFY_CHANNEL)))
        except Exception:
            pubsub.close()
            raise
        return pubsub

    def publish(self, changes: dict[int | None, str]) -> None:
        if not changes or time.monotonic() < self._down_until:
            return
        if len(changes) > MAX_TICKETS_PER_COMMIT:
            changes = {None: "bulk"}
        payloads = [json.dumps({"ticket_id": ticket_id, "kind": kind}) for ticket_id, kind in changes.items()]
        try:
            from ..redis_client import pubsub_channel

            self.redis.eval(_PUBLISH_SCRIPT, 2, SEQUENCE_KEY, pubsub_channel(self.redis, TICKET_CHANNEL), *payloads)
        except Exception as exc:  # committed data stays committed; live views catch up later
            with self._lock:
                self._down_until = time.monotonic() + BACKOFF_SECONDS
            log.warning("could not publish %d ticket change(s): %s", len(payloads), exc)

    def last_sequence(self) -> int:
        return int(self.redis.get(SEQUENCE_KEY) or 0)


def install_session_hooks() -> None:
    """Listen on every Flask-SQLAlchemy session of this process (the class is shared), once."""
    global _installed
    from ..extensions import db

    with _install_lock:
        if _installed:
            return
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "do_orm_execute", _on_execute)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_transaction_end", _after_transaction_end)
        _installed = True


def note_change(session: Session, ticket_id: int, kind: str) -> None:
    """For rows a service writes in bulk (no ORM objects to see at flush): published after the commit."""
    _note(session.info.setdefault(_PENDING, {}), ticket_id, kind)


def _note(changes: dict[int | None, str], ticket_id: Any, kind: str) -> None:
    if not isinstance(ticket_id, int):
        return
    current = changes.get(ticket_id)
    if current is None or _KIND_RANK[kind] < _KIND_RANK[current]:
        changes[ticket_id] = kind


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    from ..tickets.models import Message, Ticket, TicketEvent, TicketNote

    changes: dict[int | None, str] = session.info.setdefault(_PENDING, {})
    for obj in session.new:
        if isinstance(obj, Ticket):
            _note(changes, obj.id, "created")
        elif isinstance(obj, Message):
            _note(changes, obj.ticket_id, "message")
        elif isinstance(obj, TicketNote):
            _note(changes, obj.ticket_id, "note")
        elif isinstance(obj, TicketEvent):
            _note(changes, obj.ticket_id, "event")
    for obj in session.dirty:
        # is_modified also sees collection changes, so adding or removing a tag counts
        if isinstance(obj, Ticket) and session.is_modified(obj):
            _note(changes, obj.id, "updated")
        elif isinstance(obj, Message) and session.is_modified(obj):
            _note(changes, obj.ticket_id, "message")
    for obj in session.deleted:
        if isinstance(obj, (Message, TicketNote, TicketEvent)):
            _note(changes, obj.ticket_id, "updated")


def _on_execute(state: ORMExecuteState) -> Any:
    """UPDATE/INSERT ... SELECT statements name no ticket; note "many changed" if any row was."""
    if not (state.is_update or state.is_insert or state.is_delete):
        return None
    if state.execution_options.get(ROWS_REPORTED):  # the writer's flush already named these tickets
        return None
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in _BULK_TABLES:
        return None
    result = state.invoke_statement()
    if getattr(result, "rowcount", -1) != 0:
        state.session.info[_BULK] = True
    return result


def _after_commit(session: Session) -> None:
    changes: dict[int | None, str] = session.info.pop(_PENDING, None) or {}
    if session.info.pop(_BULK, False):
        changes[None] = "bulk"
    if not changes or not has_app_context():
        return
    live: Live | None = current_app.extensions.get("inbox_live")
    if live is not None:
        live.publish(changes)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # the outermost transaction ended without a commit (rollback or close): its changes never happened
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_BULK, None)
