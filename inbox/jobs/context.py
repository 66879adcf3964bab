"""The application context a job runs in."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

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
