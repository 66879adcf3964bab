"""The background jobs (one module per concern), the worker process and the scheduler. The job table and
`enqueue` live in `inbox.jobqueue`, so that services below this floor can queue work by name."""
from __future__ import annotations

from flask import Flask

from ..tickets.signals import reply_queued
from .context import job_context  # noqa: F401  (where jobs found it before)
from .delivery import queue_delivery
from .ingest import ingest_batch  # noqa: F401  (`inbox.jobs.ingest_batch`: the job path before jobs became a package)


def install(app: Flask) -> None:
    """Called by create_app: jobs queued because something was committed (a reply's delivery)."""
    reply_queued.connect(queue_delivery)

