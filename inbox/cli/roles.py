"""One command per process role, for running Inbox on several hosts (docs/deploy.md):
`inbox web`, `inbox worker`, `inbox poller`, `inbox scheduler`. `inbox run` starts all four on one
machine."""
from __future__ import annotations

import os
import sys

import click
from flask import current_app

from ..app import create_app
from ..channels.poller import run_poller
from ..jobqueue import ALL_QUEUES
from ..jobs.scheduler import run_scheduler
from ..jobs.worker import run_worker
from .app import with_app
from .run import gunicorn_command


@click.command(help="Serve the web UI with gunicorn (gthread workers sized for live streams, see gunicorn.conf.py). "
                    "Run it on as many hosts as you like behind a reverse proxy.")
@click.option("--host", default=None, help="Address to bind (default $INBOX_HOST or 127.0.0.1; 0.0.0.0 behind a proxy).")
@click.option("--port", default=None, type=int, help="Port (default $PORT or 8000).")
@click.option("--workers", default=None, type=int, help="gunicorn worker processes (default $WEB_CONCURRENCY or 2).")
@with_app
def web(host: str | None, port: int | None, workers: int | None) -> None:
    # the configuration was checked (and the schema found up to date) above, before any fork:
    # a missing SECRET_KEY is one clear line, not a traceback from every gunicorn worker
    command = gunicorn_command(host or os.environ.get("INBOX_HOST", "127.0.0.1"),
                               port or int(os.environ.get("PORT", "8000")), workers=workers)
    sys.stdout.flush()
    os.execv(command[0], command)  # gunicorn becomes this process: signals from systemd reach it directly


@click.command(help="Run an RQ worker (loads the sentiment model once). Any number, on any hosts.")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--queue", "queues", multiple=True, type=click.Choice(["ingest", "delivery", "default"]),
              help="Work only these queues (repeatable; default: all).")
@click.option("--no-scheduler", is_flag=True, help="Never act as the scheduler (`inbox scheduler` does).")
def worker(burst: bool, queues: tuple[str, ...], no_scheduler: bool) -> None:
    run_worker(create_app(), burst=burst, queues=queues or ALL_QUEUES, with_scheduler=not no_scheduler)


@click.command(help="Poll every channel account and queue what arrives. Run it on two hosts: one polls, "
                    "the other stands by and takes over within half a minute if the first dies.")
@with_app
def poller() -> None:
    run_poller()


@click.command(help="Book the periodic jobs (SLA sweep, weekly export, retention …) and release delayed retries. "
                    "Run it on two hosts: one acts, the other stands by.")
@with_app
def scheduler() -> None:
    run_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]


COMMANDS = (web, worker, poller, scheduler)
