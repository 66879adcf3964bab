"""Jobs that used up their retries: listed for admins with their error, retried on request."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.registry import FailedJobRegistry

from ..jobqueue import ALL_QUEUES, InboxJob, get_queue


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    description: str
    error: str  # the exception's last line; the full traceback stays in RQ
    failed_at: datetime | None
    attempts: int


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else "no error recorded"


def failed_count(redis: Redis) -> int:
    return sum(FailedJobRegistry(name, connection=redis).count for name in ALL_QUEUES)


def failed_jobs(limit: int = 200) -> list[FailedJob]:
    found: list[FailedJob] = []
    for name in ALL_QUEUES:
        queue = get_queue(name)
        registry = FailedJobRegistry(name, connection=queue.connection, job_class=InboxJob)
        for job_id in registry.get_job_ids(0, limit - 1, desc=True):
            try:
                job = InboxJob.fetch(job_id, connection=queue.connection)
            except NoSuchJobError:
                continue
            result = job.latest_result()
            error = getattr(result, "exc_string", None) or job.exc_info
            found.append(FailedJob(job.id, name, job.description or job.func_name or job.id, _last_line(error),
                                   job.ended_at, (job.retries_left is not None and job.retry_intervals and
                                                  len(job.retry_intervals) - job.retries_left + 1) or 1))
    return sorted(found, key=lambda j: j.failed_at.timestamp() if j.failed_at else 0.0, reverse=True)[:limit]


def retry_failed(job_id: str) -> bool:
    """Queue a failed job again from the start of its retry budget; False if it is not a failed job."""
    for name in ALL_QUEUES:
        queue = get_queue(name)
        registry = FailedJobRegistry(name, connection=queue.connection, job_class=InboxJob)
        if job_id in registry.get_job_ids():
            job = InboxJob.fetch(job_id, connection=queue.connection)
            if job.retry_intervals:
                job.retries_left = len(job.retry_intervals)
            registry.requeue(job)
            return True
    return False
