"""The worker process: RQ's SimpleWorker, kept alive through outages, with its housekeeping thread.

SimpleWorker runs jobs in the worker process (no fork per job): the sentiment model is loaded once
at start and stays warm, and PyTorch's thread pool is never forked. RQ's own loop ends on an error
it does not expect (Redis gone mid-job, say); this loop then waits with a growing pause and starts
a fresh RQ worker, so a Redis or database outage of any length is waited out, not fatal.

A housekeeping thread, alive as long as the process, keeps this worker's "alive" key fresh, takes
back jobs whose worker died (reaper.py) and runs the scheduler (schedule.py) — no forked scheduler
process that could outlive a killed worker.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Sequence

from flask import Flask
from redis.exceptions import RedisError
from rq import SimpleWorker

from ..config import workspace_zone
from ..extensions import db
from ..jobqueue import ALL_QUEUES, InboxJob, get_queue
from ..redis_client import get_redis
from ..sentiment import get_classifier, threads
from .reaper import Reaper, mark_alive, mark_gone
from .schedule import InboxScheduler, scheduler_tick

log = logging.getLogger(__name__)

HOUSEKEEPING_SECONDS = 1.0
REAP_EVERY_SECONDS = 5.0
OUTAGE_BACKOFF_MAX = 30.0


class InboxWorker(SimpleWorker):
    """SimpleWorker that resolves job paths of earlier releases (see jobs.LEGACY_PATHS)."""

    job_class = InboxJob

    def perform_job(self, job, *args, **kwargs):  # type: ignore[no-untyped-def]
        succeeded = False
        threads.retune()  # the cores the neighbours left free, looked at again every half minute
        try:
            succeeded = super().perform_job(job, *args, **kwargs)
            return succeeded
        finally:
            # Jobs share this process's app context and so its database session. A job that failed
            # because the database went away leaves the session's transaction on a dead connection
            # (the session still reports itself active): without a rollback every later job fails
            # with "Can't reconnect until invalid transaction is rolled back", retries included.

            if not succeeded or not db.session.is_active:
                try:
                    db.session.rollback()
                except Exception:  # noqa: BLE001  the database may still be away; the next job reconnects
                    log.warning("could not roll back after job %s", job.id, exc_info=True)


class Housekeeping(threading.Thread):
    def __init__(self, app: Flask, queue_names: Sequence[str], schedule: bool) -> None:
        super().__init__(name="inbox-housekeeping", daemon=True)
        self.app = app
        self.queue_names = tuple(queue_names)
        self.schedule = schedule
        self.worker_name: str | None = None
        self.stopping = threading.Event()
        self.reaper = Reaper()
        self._down = False

    def run(self) -> None:
        with self.app.app_context():
            redis = get_redis(self.app)
            scheduler = InboxScheduler(self.queue_names, connection=redis) if self.schedule else None
            last_reap = 0.0
            while not self.stopping.is_set():
                try:
                    name = self.worker_name
                    if name:
                        mark_alive(redis, name)
                    if time.monotonic() - last_reap >= REAP_EVERY_SECONDS:
                        last_reap = time.monotonic()
                        self.reaper.reap(redis, [get_queue(q, self.app) for q in self.queue_names])
                    if scheduler is not None:
                        scheduler_tick(redis, scheduler, workspace_zone())
                    if self._down:
                        log.info("housekeeping: Redis is back")
                    self._down = False
                except RedisError as exc:
                    if not self._down:
                        log.error("housekeeping: Redis unavailable (%s); retrying", exc)
                    self._down = True
                except Exception:  # housekeeping must outlive any one bad tick
                    log.exception("housekeeping tick failed")
                finally:
                    db.session.remove()
                self.stopping.wait(HOUSEKEEPING_SECONDS)
            if self.worker_name:
                try:
                    mark_gone(redis, self.worker_name)
                except RedisError:
                    pass


def run_worker(app: Flask, burst: bool = False, queues: Sequence[str] = ALL_QUEUES, with_scheduler: bool = True) -> bool:
    """Work `queues` in `app`'s context until stopped (or, with `burst`, until they are empty)."""
    with app.app_context():
        started = time.perf_counter()
        # Fails loudly (ModelUnavailable) instead of ingesting unclassified messages.
        classifier = get_classifier()
        log.info("sentiment model %s loaded in %.1f s (%d torch threads)", classifier.model_id, time.perf_counter() - started,
                 threads.current())
        if burst:
            worker = InboxWorker([get_queue(name, app) for name in queues], connection=get_redis(app))
            return worker.work(burst=True, logging_level="INFO")
        return _work_forever(app, queues, with_scheduler)


def _work_forever(app: Flask, queues: Sequence[str], with_scheduler: bool) -> bool:
    stop = threading.Event()

    def _stop_between_workers(signum: int, _frame: object) -> None:
        log.info("worker stopping (signal %d)", signum)
        stop.set()

    housekeeping = Housekeeping(app, queues, schedule=with_scheduler)
    housekeeping.start()
    worked = False
    pause = 1.0
    try:
        while not stop.is_set():
            try:
                worker = InboxWorker([get_queue(name, app) for name in queues], connection=get_redis(app))
                housekeeping.worker_name = worker.name
                started = time.monotonic()
                # RQ's loop installs its own SIGINT/SIGTERM handlers: a warm shutdown after the current job
                worked = worker.work(burst=False, logging_level="INFO") or worked
                if worker._shutdown_requested_date is not None:
                    break
                if time.monotonic() - started > 60:
                    pause = 1.0  # it had been running fine: this is a new outage, start the backoff again
                log.error("worker %s stopped unexpectedly (see above); starting a new one in %.0f s", worker.name, pause)
            except RedisError as exc:
                log.error("worker: Redis unavailable (%s); retrying in %.0f s", exc, pause)
            signal.signal(signal.SIGINT, _stop_between_workers)
            signal.signal(signal.SIGTERM, _stop_between_workers)
            stop.wait(pause)
            pause = min(pause * 2, OUTAGE_BACKOFF_MAX)
    finally:
        housekeeping.stopping.set()
        housekeeping.join(timeout=5)
    return worked
