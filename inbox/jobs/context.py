"""The application context a job runs in."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app, has_app_context


class NoApplication(RuntimeError):
    """A job ran in a process that built no application (start workers with `inbox worker`)."""


@contextmanager
def job_context() -> Iterator[Flask]:
    """The application of the process running the job: `inbox worker` (and `python worker.py`) build it
    once and keep its context pushed for their lifetime, so every job finds it here."""
    if not has_app_context():
        raise NoApplication("jobs run in `inbox worker` (or `python worker.py`), which builds the application first; "
                            "a bare `rq worker` has none")
    yield current_app._get_current_object()  # type: ignore[attr-defined]
