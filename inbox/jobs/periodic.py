"""The periodic runs (schedule.py) through a database outage: waited out, never failed for it.

A run that finds the database away asks RQ to try it again later (RQ's `Retry`, with the growing
waits that ingest uses: 5 s, 10 s, 20 s …), so an outage puts nothing on the failed list and
`inbox doctor` stays green. Meanwhile the scheduler goes on booking a run every minute; a run that
meets the outage again once a newer run of the same job has been booked ends there, quietly (the
newer one does the same work), so however long the outage, each job has at most two runs waiting
and the first one to find the database back does the work. A run that fails for any other reason
(a bug, bad data) fails as before, where an admin sees it.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, TypeVar

from redis import Redis
from rq import Retry, get_current_job
from rq.job import Job
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..jobqueue import OUTAGE_RETRY
from ..redis_client import get_redis
from .outage import is_unavailable

log = logging.getLogger(__name__)

BOOKED_PREFIX = "inbox:schedule:booked:"
BOOKED_TTL = 7 * 86400

T = TypeVar("T")


def note_booked(redis: Redis, job_name: str, at: float) -> None:
    """The scheduler booked a run of `job_name` at `at` (epoch seconds, taken before it was queued):
    every run of that job created before then is superseded."""
    redis.set(BOOKED_PREFIX + job_name, repr(at), ex=BOOKED_TTL)


def superseded(redis: Redis, job_name: str, job: Job) -> bool:
    raw = redis.get(BOOKED_PREFIX + job_name)
    return raw is not None and job.created_at is not None and float(raw) > job.created_at.timestamp()


def waiting_out_outage(job_name: str, work: Callable[[], T]) -> T | Retry | dict[str, Any]:
    """`work()`, or, when the database does not answer, a Retry for RQ (or nothing, once superseded)."""
    try:
        return work()
    except DBAPIError as exc:
        job = get_current_job()
        if not is_unavailable(exc) or job is None:
            raise
        try:
            db.session.rollback()
        except DBAPIError:
            pass  # the connection is gone with the database; the next run starts a fresh one
        reason = str(exc.orig or exc).splitlines()[0][:300] if str(exc.orig or exc) else type(exc).__name__
        if superseded(get_redis(), job_name, job):
            log.warning("%s (%s): the database is unavailable (%s); a newer run is booked and takes over",
                        job_name, job.id, reason)
            return {"superseded": True, "database": "unavailable"}
        wait = Retry.get_interval(job.number_of_retries or 0, list(OUTAGE_RETRY))
        log.warning("%s (%s): the database is unavailable (%s); trying again in %d s", job_name, job.id, reason, wait)
        return Retry(max=len(OUTAGE_RETRY), interval=list(OUTAGE_RETRY))
