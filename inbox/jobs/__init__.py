"""The background jobs (one module per concern), the worker process and the scheduler. The job table and
`enqueue` live in `inbox.jobqueue`, so that services below this floor can queue work by name."""
from __future__ import annotations

from flask import Flask

from . import listeners
from .context import job_context  # noqa: F401  (where jobs found it before)
from .ingest import ingest_batch  # noqa: F401  (`inbox.jobs.ingest_batch`: the job path before jobs became a package)


def install(app: Flask) -> None:
    """Called by create_app: jobs queued because something was committed."""
    listeners.install()

