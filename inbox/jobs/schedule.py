"""The one schedule table, and the scheduler that books its runs.

Every worker runs a scheduler thread, but only the one holding RQ's scheduler lock acts (the lock is
renewed every tick and expires LOCK_SECONDS after its holder dies; another worker takes over on its
next tick, where RQ's own lock would be held for a minute). Each tick it moves jobs
whose time has come out of RQ's scheduled registries (retries with backoff, rate-limit waits) and
books each periodic entry's latest slot once: a Redis marker per slot (SET NX) and a job id per
slot make a second scheduler, a restart or a repeated tick book nothing twice. A slot missed while
no worker ran (a machine off on Monday morning) is booked when one starts again. Each booking is
noted per job (periodic.py), so that a run left waiting out a database outage yields to the newer one.
"""
from __future__ import annotations

import logging
import time as clock
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from redis import Redis
from rq.job import Job
from rq.scheduler import RQScheduler
from rq.scripts import acquire_or_refresh_lock

from ..jobqueue import DEFAULT_QUEUE, enqueue
from ..voice.export import file_name
from ..voice.files import has_export
from ..voice.weeks import IsoWeek, next_weekly_run, previous_week
from .periodic import note_booked

log = logging.getLogger(__name__)

MARKER_PREFIX = "inbox:schedule:"
# RQ's scheduler lock, renewed every tick (each second): a dead holder's lock is gone this soon after
LOCK_SECONDS = 10


@dataclass(frozen=True)
class Run:
    entry: str
    job: str
    slot: str  # names the run: "202611301432", "2026-W48"
    args: tuple[Any, ...]
    marker_ttl: int


@dataclass(frozen=True)
class Every:
    """Every `seconds`, aligned to the clock (a minute job runs at :00 of each minute)."""

    name: str
    job: str
    seconds: int

    def latest(self, now: datetime, _zone: ZoneInfo) -> Run:
        start = datetime.fromtimestamp(int(now.timestamp()) // self.seconds * self.seconds, timezone.utc)
        return Run(self.name, self.job, f"{start:%Y%m%d%H%M%S}", (), max(self.seconds * 10, 600))


@dataclass(frozen=True)
class Weekly:
    """Once a week at a local time in the workspace's zone; the run exports the week just ended."""

    name: str
    job: str
    weekday: int  # 0 = Monday
    at: time

    def latest(self, now: datetime, zone: ZoneInfo) -> Run:
        last = next_weekly_run(now - timedelta(days=7), zone, self.weekday, self.at)  # in (now - 7 days, now]
        week = previous_week(last, zone)
        return Run(self.name, self.job, str(week), (str(week),), 14 * 86400)


SCHEDULE: tuple[Every | Weekly, ...] = (
    Every("sla_sweep", "sla_sweep", 60),
    Every("requeue_replies", "requeue_replies", 60),
    # webhook deliveries whose job was lost with Redis
    Every("requeue_webhooks", "requeue_webhooks", 60),
    # unassigned tickets left waiting (nobody had room when they arrived): handed out as agents free up
    Every("auto_assign", "auto_assign", 60),
    Weekly("weekly_export", "weekly_export", 0, time(6)),
    # erases resolved tickets' personal data older than INBOX_RETENTION_DAYS (does nothing when it is off)
    Every("retention", "retention", 86400),
    # deletes stored export files older than INBOX_EXPORT_RETENTION_DAYS (0 keeps them)
    Every("purge_exports", "purge_exports", 86400),
)


def latest_runs(now: datetime, zone: ZoneInfo, schedule: tuple[Every | Weekly, ...] = SCHEDULE) -> list[Run]:
    """Pure: the run each entry should have had by `now`."""
    return [entry.latest(now, zone) for entry in schedule]


def book_due_runs(redis: Redis, now: datetime, zone: ZoneInfo, *, skip: Callable[[Run], bool] | None = None,
                  schedule: tuple[Every | Weekly, ...] = SCHEDULE) -> list[Job]:
    """Queue every entry's latest run that has not been queued yet; returns the jobs queued now."""
    booked = []
    for run in latest_runs(now, zone, schedule):
        marker = f"{MARKER_PREFIX}{run.entry}:{run.slot}"
        if redis.exists(marker):
            continue
        if skip is not None and skip(run):
            redis.set(marker, now.isoformat(), ex=run.marker_ttl)
            continue
        booked_at = clock.time()  # before the job exists: runs created earlier are superseded, this one is not
        job = enqueue(run.job, *run.args, job_id=f"{run.entry}-{run.slot}", description=f"{run.entry} {run.slot}")
        # the marker only after the job is safely queued: a failure here books it again next tick
        redis.set(marker, now.isoformat(), ex=run.marker_ttl)
        if job is not None:
            note_booked(redis, run.job, booked_at)
            booked.append(job)
            log.info("scheduled %s for %s", run.entry, run.slot)
    return booked


class InboxScheduler(RQScheduler):
    """RQ's scheduler with a lock that outlives a dead holder by LOCK_SECONDS, not RQ's 61 s: the
    holder renews it every tick (scheduler_tick), so a standby moves retries within seconds of a kill."""

    def acquire_locks(self, auto_start: bool = False) -> set[str]:
        held = set()
        for name in self._queue_names:
            outcome = acquire_or_refresh_lock(self.connection, self.get_locking_key(name), self.name, LOCK_SECONDS)
            if outcome == "acquired":
                log.info("scheduler lock for the %s queue taken", name)
            if outcome in ("acquired", "refreshed"):
                held.add(name)
        self._scheduled_job_registries = []
        self._acquired_locks = held
        self.lock_acquisition_time = datetime.now()
        return held


def scheduler_tick(redis: Redis, scheduler: RQScheduler, zone: ZoneInfo, *, book_without_rq_lock: bool = False) -> None:
    """One scheduler tick: move due delayed jobs (retries, rate-limit waits) into their queues, and
    book the periodic runs. RQ's per-queue locks keep two schedulers from moving the same jobs; the
    slot markers keep them from booking a run twice, so a dedicated scheduler, which holds its own
    lease, books even while a dead predecessor's RQ lock has not expired yet."""
    if scheduler.acquire_locks():
        scheduler.enqueue_scheduled_jobs()
    if book_without_rq_lock or DEFAULT_QUEUE in scheduler.acquired_locks:
        book_due_runs(redis, datetime.now(timezone.utc), zone, skip=weekly_export_done)


def weekly_export_done(run: Run) -> bool:
    """A week whose files are already there (written on demand or by an earlier run) is not redone."""
    if run.entry != "weekly_export":
        return False

    return has_export(file_name(IsoWeek.parse(run.slot), "summary"))
