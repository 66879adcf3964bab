"""Jobs whose worker died are run again within a minute, without spending one of their retries.

RQ only learns that a job was abandoned when the execution's heartbeat lapses, and for a worker
that runs jobs in its own process (SimpleWorker, which keeps the model loaded) that lapse is the
job's whole timeout plus a minute: ten minutes and more for an ingest batch, and RQ then counts it
as a failed attempt. So every worker process keeps its own short-lived "alive" key fresh (every
few seconds, from a thread that runs while the job does), and any worker requeues a started job
whose worker's key has been gone for a grace period. The registry entry is removed with ZREM
first: of several workers reaping at once, exactly one requeues the job.
"""
from __future__ import annotations

import logging
import time
from typing import Iterable

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.registry import StartedJobRegistry

from ..jobqueue import InboxJob

log = logging.getLogger(__name__)

ALIVE_PREFIX = "inbox:worker-alive:"
ALIVE_TTL_SECONDS = 15
# how long a started job's worker must look dead before its job is taken back
DEAD_AFTER_SECONDS = 12.0


def alive_key(worker_name: str) -> str:
    return f"{ALIVE_PREFIX}{worker_name}"


def mark_alive(redis: Redis, worker_name: str) -> None:
    redis.set(alive_key(worker_name), "1", ex=ALIVE_TTL_SECONDS)


def mark_gone(redis: Redis, worker_name: str) -> None:
    redis.delete(alive_key(worker_name))


def live_workers(redis: Redis) -> list[str]:
    return sorted(key.decode()[len(ALIVE_PREFIX):] for key in redis.scan_iter(f"{ALIVE_PREFIX}*", count=500))


class Reaper:
    """Remembers since when each started job's worker has looked dead (the grace period)."""

    def __init__(self, dead_after: float = DEAD_AFTER_SECONDS) -> None:
        self.dead_after = dead_after
        self._suspect_since: dict[str, float] = {}

    def reap(self, redis: Redis, queues: Iterable[Queue], now: float | None = None) -> list[str]:
        now = time.monotonic() if now is None else now
        requeued: list[str] = []
        seen: set[str] = set()
        for queue in queues:
            registry = StartedJobRegistry(queue.name, connection=redis, job_class=InboxJob)
            for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
                entry = f"{job_id}:{execution_id}"
                seen.add(entry)
                try:
                    job = InboxJob.fetch(job_id, connection=redis)
                except NoSuchJobError:
                    continue
                if job.worker_name and redis.exists(alive_key(job.worker_name)):
                    self._suspect_since.pop(entry, None)
                    continue
                first = self._suspect_since.setdefault(entry, now)
                if now - first < self.dead_after:
                    continue
                if redis.zrem(registry.key, entry) != 1:
                    continue  # another worker took it back, or it just finished
                self._suspect_since.pop(entry, None)
                queue.enqueue_job(job)
                requeued.append(job_id)
                log.warning("job %s (%s) was running on worker %s, which is gone; queued again", job_id,
                            job.description, job.worker_name or "?")
        for entry in list(self._suspect_since):
            if entry not in seen:
                del self._suspect_since[entry]
        return requeued
