"""Queued jobs survive a restart of the embedded Redis; an external Redis without AOF is reported."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from redis import Redis

from inbox.redis_client import durability

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from rq import Queue
from inbox.redis_client import start_embedded_redis, stop_embedded_redis
server = start_embedded_redis(sys.argv[1])
queue = Queue("ingest", connection=server)
if sys.argv[2] == "fill":
    for i in range(int(sys.argv[4])):
        queue.enqueue("time.monotonic")
    print(queue.count)
    stop_embedded_redis(owner=sys.argv[3] == "owner")  # `inbox run` stopping, or the last client leaving
else:
    print(queue.count, server.config_get("appendonly")["appendonly"])
    stop_embedded_redis(owner=True)
"""


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.split()


def test_jobs_queued_in_the_embedded_redis_survive_its_restart(tmp_path):
    db_path = str(tmp_path / "redis.db")
    assert _run(db_path, "fill", "owner", "1000") == ["1000"]  # `inbox run` stopped (Ctrl-C)
    assert _run(db_path, "count") == ["1000", "yes"]  # the server came back from its append-only file
    assert (tmp_path / "appendonly.aof").exists()
    assert _run(db_path, "fill", "last-client", "500") == ["1500"]  # `inbox import` alone: the server stops with it
    assert _run(db_path, "count") == ["1500", "yes"]


def test_durability_says_when_redis_keeps_nothing(app):
    from inbox.redis_client import get_redis

    client: Redis = get_redis()
    verdict = durability(client)
    appendonly = client.config_get("appendonly")["appendonly"]
    assert verdict.ok == (appendonly == "yes")
    if not verdict.ok:
        assert "appendonly" in verdict.detail and "lost" in verdict.detail
