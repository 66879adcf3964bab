"""Who else is on a ticket page right now, and whether they are writing a reply.

Advisory only: it warns before two agents answer the same customer, it never blocks anyone. Each
(ticket, user) is one Redis key with a short TTL that the page refreshes every few seconds, so a
closed tab or a dead laptop drops out on its own; a set per ticket lists the keys to look at.
"""
from __future__ import annotations

import json
import time
from typing import Any

from redis import Redis

from ..redis_client import pubsub_channel

PRESENCE_STATES = ("viewing", "replying")
PRESENCE_CHANNEL = "inbox:presence"
LEAVING = "left"


def _member_key(ticket_id: int, user_id: int) -> str:
    return f"inbox:presence:{ticket_id}:{user_id}"


def _ticket_key(ticket_id: int) -> str:
    return f"inbox:presence:{ticket_id}"


def set_presence(redis: Redis, ticket_id: int, user_id: int, name: str, state: str, ttl: int) -> bool:
    """Record (or refresh) one person's presence; True when others should hear of it (new or changed state)."""
    if state not in PRESENCE_STATES:
        raise ValueError(f"unknown presence state {state!r}")
    record = json.dumps({"user_id": user_id, "name": name, "state": state, "at": int(time.time())})
    pipe = redis.pipeline()
    pipe.get(_member_key(ticket_id, user_id))
    pipe.set(_member_key(ticket_id, user_id), record, ex=ttl)
    pipe.sadd(_ticket_key(ticket_id), user_id)
    pipe.expire(_ticket_key(ticket_id), ttl * 2)
    previous = pipe.execute()[0]
    return previous is None or json.loads(previous).get("state") != state


def clear_presence(redis: Redis, ticket_id: int, user_id: int) -> bool:
    """True when the person was there (so others should hear they left)."""
    pipe = redis.pipeline()
    pipe.delete(_member_key(ticket_id, user_id))
    pipe.srem(_ticket_key(ticket_id), user_id)
    return bool(pipe.execute()[0])


def announce(redis: Redis, ticket_id: int) -> None:
    """Open ticket pages ask for the presence again at once instead of at their next heartbeat."""
    redis.publish(pubsub_channel(redis, PRESENCE_CHANNEL), json.dumps({"ticket_id": ticket_id}))


def others_present(redis: Redis, ticket_id: int, user_id: int) -> list[dict[str, Any]]:
    """Everyone else whose key has not expired, people replying first, then by name."""
    members = [int(m) for m in redis.smembers(_ticket_key(ticket_id)) if m.isdigit() and int(m) != user_id]
    if not members:
        return []
    records = redis.mget([_member_key(ticket_id, m) for m in members])
    present, expired = [], []
    for member, raw in zip(members, records):
        if raw is None:
            expired.append(member)
            continue
        record = json.loads(raw)
        present.append({"user_id": record["user_id"], "name": record["name"], "state": record["state"]})
    if expired:
        redis.srem(_ticket_key(ticket_id), *expired)
    present.sort(key=lambda p: (p["state"] != "replying", p["name"].casefold(), p["user_id"]))
    return present
