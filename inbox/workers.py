"""The RQ worker process.

It uses RQ's SimpleWorker (jobs run in the worker process, no fork per job): the sentiment model
is loaded once at start and stays warm, and PyTorch's thread pool is never forked.
"""
from __future__ import annotations

import logging
import time
from typing import Sequence

from rq import SimpleWorker

from .queue import ALL_QUEUES, get_queue, get_redis

log = logging.getLogger(__name__)


def run_worker(burst: bool = False, queues: Sequence[str] = ALL_QUEUES, with_scheduler: bool = True) -> bool:
    from . import create_app
    from .sentiment import get_classifier

    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        # Fails loudly (ModelUnavailable) instead of ingesting unclassified messages.
        classifier = get_classifier()
        log.info("sentiment model %s loaded in %.1f s", classifier.model_id, time.perf_counter() - started)
        worker = SimpleWorker([get_queue(name, app) for name in queues], connection=get_redis(app))
        if with_scheduler:
            from .voice.jobs import ensure_weekly_export_scheduled

            ensure_weekly_export_scheduled()
            from .sla_jobs import schedule_next_sweep

            schedule_next_sweep()
        return worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO")
