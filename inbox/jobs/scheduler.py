"""`inbox scheduler`: the scheduler as a process of its own, one active across all hosts.

Run it on two hosts: the one holding the "scheduler" lease books the periodic runs (schedule.py)
and moves due delayed jobs into their queues every second; the other stands by and takes over
within LEASE_SECONDS of the first one's death. Workers then run with `--no-scheduler`. It loads
no model and runs no job, so it is small enough to sit beside the poller.
"""
from __future__ import annotations

import logging
import signal
import threading

from flask import Flask
from redis.exceptions import RedisError
from rq.scheduler import RQScheduler

from ..config import workspace_zone
from ..extensions import db
from ..jobqueue import ALL_QUEUES
from ..leader import Leadership
from ..redis_client import get_redis
from .schedule import InboxScheduler, scheduler_tick

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0


def run_scheduler(app: Flask) -> None:
    """Schedule until SIGINT/SIGTERM, only while holding the lease."""
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        log.info("scheduler stopping (signal %d)", signum)
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    with app.app_context():
        redis = get_redis(app)
        lease = Leadership(redis, "scheduler").start()
        log.info("scheduler started (%s)", lease.holder)
        rq_scheduler: RQScheduler | None = None
        down = False
        try:
            while not stop.is_set():
                if not lease.held:
                    if rq_scheduler is not None:  # lost the lease: let the new holder take RQ's locks at once
                        _release(rq_scheduler)
                        rq_scheduler = None
                    lease.wait_until_held(TICK_SECONDS)
                    continue
                try:
                    rq_scheduler = rq_scheduler or InboxScheduler(ALL_QUEUES, connection=redis)
                    scheduler_tick(redis, rq_scheduler, workspace_zone(), book_without_rq_lock=True)
                    if down:
                        log.info("scheduler: Redis is back")
                    down = False
                except RedisError as exc:
                    if not down:
                        log.error("scheduler: Redis unavailable (%s); retrying", exc)
                    down = True
                except Exception:  # one bad tick (a database hiccup) must not end the scheduler
                    log.exception("scheduler tick failed")
                finally:
                    db.session.remove()
                stop.wait(TICK_SECONDS)
        finally:
            if rq_scheduler is not None:
                _release(rq_scheduler)
            lease.stop()


def _release(rq_scheduler: RQScheduler) -> None:
    try:
        rq_scheduler.release_locks()
    except RedisError:
        pass  # they expire on their own
