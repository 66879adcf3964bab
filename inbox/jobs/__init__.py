"""The background jobs (one module per concern), the worker process and the scheduler. The job table and
`enqueue` live in `inbox.jobqueue`, so that services below this floor can queue work by name."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from flask import Flask, current_app, has_app_context

_app: Flask | None = None


@contextmanager
def job_context() -> Iterator[Flask]:
    """The worker pushes an app context for its lifetime; a bare RQ worker gets one created once."""
    global _app
    if has_app_context():
        yield current_app._get_current_object()  # type: ignore[attr-defined]
        return
    if _app is None:
        from ..app import create_app  # upward: deferred: a bare `rq worker` process has no application until its first job builds one

        _app = create_app()
    with _app.app_context():
        yield _app


def __getattr__(name: str) -> Any:
    # `inbox.jobs.ingest_batch` was the job path before jobs became a package
    if name == "ingest_batch":
        from .ingest import ingest_batch

        return ingest_batch
    raise AttributeError(name)
