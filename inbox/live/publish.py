"""Tell live views which tickets changed, once the change is committed.

No service has to remember: every commit that changed tickets sends `tickets_changed` (tickets.hooks),
and `publish_changes` (connected by live.install) publishes them on the Redis channel `inbox:tickets`.
The web process and the RQ worker both build the app with `create_app`, which connects it.

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

from flask import Flask, current_app
from redis import Redis
from redis.client import PubSub

from ..notifications.alerts import NOTIFY_CHANNEL
from ..redis_client import pubsub_channel, redis_url
from ..tickets.signals import TicketChanges
from .presence import PRESENCE_CHANNEL

log = logging.getLogger(__name__)

TICKET_CHANNEL = "inbox:tickets"
SEQUENCE_KEY = "inbox:tickets:seq"
# more tickets than this in one commit (a bulk action, the SLA sweep) become one "bulk" message
MAX_TICKETS_PER_COMMIT = 50
# after a failed publish, skip publishing for this long: a Redis outage must not add a timeout to every commit
BACKOFF_SECONDS = 5.0


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
            self._client = Redis.from_url(redis_url(self._app), socket_connect_timeout=2, socket_timeout=2)
        return self._client

    def subscribe(self) -> PubSub:
        """A subscription to the ticket, presence and notification channels (its own connection, no read timeout: it waits)."""
        if self._subscriber is None:
            self._subscriber = Redis.from_url(redis_url(self._app), socket_connect_timeout=2, health_check_interval=0)
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
            self.redis.eval(_PUBLISH_SCRIPT, 2, SEQUENCE_KEY, pubsub_channel(self.redis, TICKET_CHANNEL), *payloads)
        except Exception as exc:  # committed data stays committed; live views catch up later
            with self._lock:
                self._down_until = time.monotonic() + BACKOFF_SECONDS
            log.warning("could not publish %d ticket change(s): %s", len(payloads), exc)

    def last_sequence(self) -> int:
        return int(self.redis.get(SEQUENCE_KEY) or 0)


def publish_changes(_sender: Any, event: TicketChanges) -> None:
    """Receiver of `tickets_changed`: one message per ticket (a commit of many: one "bulk" message)."""
    changes: dict[int | None, str] = dict(event.tickets)
    if event.bulk:
        changes[None] = "bulk"
    if not changes:
        return
    live: Live | None = current_app.extensions.get("inbox_live")
    if live is not None:
        live.publish(changes)
