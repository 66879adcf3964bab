"""`inbox run`: set up, then run web (gunicorn), worker and poller until Ctrl-C.

The supervisor owns the embedded Redis (when no REDIS_URL is set) so that it outlives every child
and all of them talk to the same server. If one child dies, the others are stopped too: a half-
running inbox that silently stops ingesting is worse than one that stops.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from .config import PROJECT_ROOT

log = logging.getLogger("inbox.run")

STOP_GRACE_SECONDS = 20
GUNICORN_CONFIG = PROJECT_ROOT / "gunicorn.conf.py"


@dataclass
class Child:
    name: str
    process: subprocess.Popen


@dataclass
class Prepared:
    admin_password: str | None
    seeded: list
    redis_url: str
    demo_dir: str | None  # set when demo accounts are polled: new demo traffic keeps arriving


def gunicorn_command(host: str, port: int, workers: int | None = None, threads: int | None = None) -> list[str]:
    """The web server, with the settings in gunicorn.conf.py (gthread workers sized for live streams)."""
    command = [sys.executable, "-m", "gunicorn", "wsgi:app", "--config", str(GUNICORN_CONFIG),
               "--bind", f"{host}:{port}", "--access-logfile", "-"]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    return command


def _prepare(demo: bool) -> Prepared:
    from . import create_app
    from .auth.users import ensure_admin
    from .queue import redis_url
    from .setup import demo_accounts_in_use, demo_dir, seed_demo_channels, upgrade_database

    app = create_app()
    with app.app_context():
        upgrade_database()
        password = ensure_admin()
        seeded = seed_demo_channels() if demo else []
        live = demo and demo_accounts_in_use() and os.environ.get("INBOX_DEMO_LIVE", "1") != "0"
        return Prepared(password, seeded, redis_url(app), str(demo_dir()) if live else None)


def _spawn(name: str, args: list[str], env: dict[str, str]) -> Child:
    log.info("starting %s: %s", name, " ".join(args))
    # own process group: a terminal's Ctrl-C reaches only us, and we stop children in order
    return Child(name, subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, start_new_session=True))


def run_all(port: int | None = None, demo: bool = True) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    port = port or int(os.environ.get("PORT", "8000"))
    host = os.environ.get("INBOX_HOST", "127.0.0.1")
    prepared = _prepare(demo)
    env = dict(os.environ, REDIS_URL=prepared.redis_url, PYTHONUNBUFFERED="1")
    python = sys.executable
    children = [
        _spawn("web", gunicorn_command(host, port), env),
        _spawn("worker", [python, "-m", "inbox", "worker"], env),
        _spawn("poller", [python, "-m", "inbox", "poll"], env),
    ]
    if prepared.demo_dir:
        children.append(_spawn("demo-traffic", [python, "-m", "inbox.demo", prepared.demo_dir, "--append",
                                                "--live", os.environ.get("INBOX_DEMO_INTERVAL", "90")], env))
    print("", flush=True)
    print(f"  Inbox is starting on http://{host}:{port}/", flush=True)
    if prepared.admin_password:
        print(f"  First admin created: admin@inbox.local  password: {prepared.admin_password}", flush=True)
        print("  (shown once; change it or create users with `inbox create-user`)", flush=True)
    for name, path in prepared.seeded:
        print(f"  Demo channel {name!r} reads {path}", flush=True)
    print("  Press Ctrl-C to stop.\n", flush=True)

    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    exit_code = 0
    while not stopping:
        for child in children:
            if child.process.poll() is not None:
                log.error("%s exited with code %s; stopping the others", child.name, child.process.returncode)
                stopping, exit_code = True, 1
                break
        time.sleep(0.5)
    _stop(children)
    from .queue import stop_embedded_redis

    stop_embedded_redis(owner=True)
    return exit_code


def _stop(children: list[Child]) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        remaining = max(0.1, deadline - time.monotonic())
        try:
            child.process.wait(remaining)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in time; killing it", child.name)
            child.process.kill()
            child.process.wait()
    print("  Inbox stopped: all processes stopped.", flush=True)
