"""The Server-Sent Events stream of ticket changes, fed by the Redis channel.

A stream lives a bounded time (then the browser's EventSource reconnects on its own), so a gunicorn
thread is never held forever and a dead client is noticed at the next heartbeat. Each event carries
the channel's sequence number as its id; a browser that reconnects sends the last one it saw, and if
the channel has moved on meanwhile it gets one "missed" event and refreshes.
"""
from __future__ import annotations

import json
import logging
import random
import time
from typing import Iterator

from redis.client import PubSub
from redis.exceptions import RedisError

from ..auth.sessions import SESSIONS_ENDED_CHANNEL
from ..notifications.alerts import NOTIFY_CHANNEL, for_user
from ..redis_client import channel_name
from .presence import PRESENCE_CHANNEL

log = logging.getLogger(__name__)


def sse_message(event: str, data: dict, event_id: int | None = None) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    # json.dumps never emits a newline, so one data line is always the whole payload
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


def parse_event_id(raw: str | None) -> int | None:
    if raw is None:
        return None
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        return None
    return int(raw)


def _ended_user(raw: bytes | str | None) -> int | None:
    text = raw.decode() if isinstance(raw, bytes) else (raw or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else None


def _ticket_id(raw: bytes | str | None) -> int | None:
    try:
        ticket_id = json.loads(raw or "")["ticket_id"]
    except (ValueError, TypeError, KeyError):
        return None
    return ticket_id if isinstance(ticket_id, int) and not isinstance(ticket_id, bool) else None


def ticket_events(pubsub: PubSub, *, lifetime: float, heartbeat: float, retry_ms: int,
                  last_seen: int | None, current: int, user_id: int | None = None) -> Iterator[str]:
    """Yield SSE text until `lifetime` seconds have passed, or `user_id`'s sessions end; always closes the subscription."""
    try:
        yield f"retry: {retry_ms}\n: stream open for {lifetime:g} s\n\n"
        if last_seen is not None and last_seen != current:
            yield sse_message("ticket", {"ticket_id": None, "kind": "missed"}, current)
        started = time.monotonic()
        # spread out: tabs opened together (after a deploy) do not all reconnect in the same second
        deadline = started + lifetime * random.uniform(0.9, 1.0)
        next_beat = started + heartbeat
        while True:
            now = time.monotonic()
            if now >= deadline:
                return
            if now >= next_beat:
                yield ": keep-alive\n\n"
                next_beat = now + heartbeat
            message = pubsub.get_message(timeout=max(0.0, min(deadline, next_beat) - now))
            if not message or message.get("type") != "message":
                continue
            channel = channel_name(message.get("channel"))
            if channel == SESSIONS_ENDED_CHANNEL:
                if user_id is not None and _ended_user(message.get("data")) == user_id:
                    yield sse_message("signed_out", {})
                    return
                continue
            if channel == NOTIFY_CHANNEL:
                # no id either: a page that reconnects reads its bell from the next page load
                mine = for_user(message.get("data"), user_id)
                if mine is not None:
                    yield sse_message("notification", mine)
                continue
            if channel == PRESENCE_CHANNEL:
                # no id: presence is not replayed after a reconnect, the page asks for it anyway
                ticket_id = _ticket_id(message.get("data"))
                if ticket_id is not None:
                    yield sse_message("presence", {"ticket_id": ticket_id})
                continue
            try:
                payload = json.loads(message["data"])
                seq = int(payload.pop("seq"))
                ticket_id = payload.get("ticket_id")
                if ticket_id is not None and (not isinstance(ticket_id, int) or isinstance(ticket_id, bool)):
                    raise ValueError("ticket_id")
            except (ValueError, TypeError, KeyError, AttributeError):
                log.warning("ignoring malformed message on the ticket channel: %r", message.get("data"))
                continue
            yield sse_message("ticket", {"ticket_id": ticket_id, "kind": str(payload.get("kind", "updated"))}, seq)
    except RedisError as exc:
        # the browser reconnects after `retry` and asks what it missed
        log.warning("live stream ended early: %s", exc)
    finally:
        try:
            pubsub.close()
        except RedisError:
            pass
