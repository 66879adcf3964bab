"""`inbox run`: set up, then run web (gunicorn), worker, poller and scheduler until Ctrl-C.

The one-machine mode: the same four roles that docs/deploy.md spreads over several hosts.

The supervisor owns the embedded Redis (when no REDIS_URL is set) so that it outlives every child
and all of them talk to the same server. A child that dies is started again (after a pause that
grows while it keeps dying, reset once it has run for a while); the others keep running, so an
outage that takes one process down never takes the whole inbox with it.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import click

from .. import create_app
from ..auth.users import ensure_admin
from ..config import PROJECT_ROOT
from ..redis_client import redis_url, stop_embedded_redis
from ..demo.history import history_stored
from ..demo.dovecot import dovecot_path, reach_problem
from ..demo.mailbox import DEMO_HOST
from ..security.outbound import ALLOWLIST_ENV
from ..setup import (
    demo_accounts_in_use,
    demo_dir,
    demo_mailbox_in_use,
    demo_mailbox_root,
    seed_demo_channels,
    upgrade_database,
)

log = logging.getLogger("inbox.run")

STOP_GRACE_SECONDS = 20
GUNICORN_CONFIG = PROJECT_ROOT / "gunicorn.conf.py"
RESTART_DELAY_MAX = 60.0
# a child that ran this long before dying was healthy: its next restart waits only a second again
HEALTHY_AFTER_SECONDS = 120.0


@dataclass
class Child:
    name: str
    args: list[str]
    env: dict[str, str]
    process: subprocess.Popen
    started_at: float = field(default_factory=time.monotonic)
    restart_delay: float = 1.0
    restart_at: float | None = None
    restarts: int = 0
    once: bool = False  # a task, not a service: done once it exits with 0


@dataclass
class Prepared:
    admin_password: str | None
    seeded: list
    redis_url: str
    demo_dir: str | None  # set when demo accounts are polled: new demo traffic keeps arriving
    mailbox_dir: str | None = None  # set when an account reads the demo mailbox: `inbox run` runs it
    mailbox_problem: str | None = None  # why the demo mailbox cannot run here
    history_needed: bool = False  # the demo's eight weeks of history are not stored yet


def gunicorn_command(host: str, port: int, workers: int | None = None, threads: int | None = None) -> list[str]:
    """The web server, with the settings in gunicorn.conf.py (gthread workers sized for live streams)."""
    command = [sys.executable, "-m", "gunicorn", "wsgi:app", "--chdir", str(PROJECT_ROOT), "--config", str(GUNICORN_CONFIG),
               "--bind", f"{host}:{port}", "--access-logfile", "-"]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    return command


def _prepare(demo: bool) -> Prepared:
    app = create_app()
    with app.app_context():
        upgrade_database()
        password = ensure_admin()
        seeded = seed_demo_channels(history=False) if demo else []
        in_use = demo and demo_accounts_in_use()
        live = in_use and os.environ.get("INBOX_DEMO_LIVE", "1") != "0"
        mailbox = str(demo_mailbox_root()) if demo and demo_mailbox_in_use() else None
        problem = reach_problem(demo_mailbox_root()) if mailbox else None
        if problem:
            mailbox = None
        elif demo and dovecot_path() is None:
            problem = "Dovecot is missing (`make run` installs it)"
        return Prepared(password, seeded, redis_url(app), str(demo_dir()) if live else None, mailbox, problem,
                        in_use and not history_stored())


def _allowing_demo_mailbox(env: dict[str, str]) -> dict[str, str]:
    """The outbound guard lets the channels reach the demo mailbox's own loopback address, nothing more."""
    entries = [entry for entry in env.get(ALLOWLIST_ENV, "").replace(",", " ").split() if entry]
    return dict(env, **{ALLOWLIST_ENV: " ".join(entries + [DEMO_HOST])})


def _popen(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    # own process group: a terminal's Ctrl-C reaches only us, and we stop children in order
    return subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, start_new_session=True)


def _spawn(name: str, args: list[str], env: dict[str, str]) -> Child:
    log.info("starting %s: %s", name, " ".join(args))
    return Child(name, args, env, _popen(args, env))


def supervise(child: Child, now: float) -> None:
    """Restart a child that has exited, with a growing pause while it keeps dying."""
    if child.process.poll() is None:
        if child.restart_at is None and now - child.started_at > HEALTHY_AFTER_SECONDS:
            child.restart_delay = 1.0
        return
    if child.once and child.process.returncode == 0:
        return
    if child.restart_at is None:
        if now - child.started_at > HEALTHY_AFTER_SECONDS:
            child.restart_delay = 1.0
        child.restart_at = now + child.restart_delay
        log.error("%s exited with code %s; restarting it in %.0f s (the others keep running)",
                  child.name, child.process.returncode, child.restart_delay)
        child.restart_delay = min(child.restart_delay * 2, RESTART_DELAY_MAX)
        return
    if now >= child.restart_at:
        child.restarts += 1
        log.info("restarting %s (restart %d)", child.name, child.restarts)
        child.process = _popen(child.args, child.env)
        child.started_at, child.restart_at = now, None


def run_all(port: int | None = None, demo: bool = True) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    port = port or int(os.environ.get("PORT", "8000"))
    host = os.environ.get("INBOX_HOST", "127.0.0.1")
    prepared = _prepare(demo)
    env = dict(os.environ, REDIS_URL=prepared.redis_url, PYTHONUNBUFFERED="1")
    if prepared.mailbox_dir:
        env = _allowing_demo_mailbox(env)
    python = sys.executable
    children = []
    if prepared.mailbox_dir:
        children.append(_spawn("demo-mailbox", [python, "-m", "inbox.demo.mailbox", prepared.mailbox_dir], env))
    children += [
        _spawn("web", gunicorn_command(host, port), env),
        _spawn("worker", [python, "-m", "inbox", "worker", "--no-scheduler"], env),
        _spawn("poller", [python, "-m", "inbox", "poller"], env),
        _spawn("scheduler", [python, "-m", "inbox", "scheduler"], env),
    ]
    if prepared.demo_dir:
        children.append(_spawn("demo-traffic", [python, "-m", "inbox.demo", prepared.demo_dir, "--append",
                                                "--live", os.environ.get("INBOX_DEMO_INTERVAL", "90")], env))
    if prepared.history_needed:
        history = _spawn("demo-history", [python, "-m", "inbox.demo.history"], env)
        history.once = True
        children.append(history)
    print("", flush=True)
    print(f"  Inbox is starting on http://{host}:{port}/", flush=True)
    if prepared.admin_password:
        print(f"  First admin created: admin@inbox.local  password: {prepared.admin_password}", flush=True)
        print("  (shown once; you choose your own password when you first sign in)", flush=True)
    for name, path in prepared.seeded:
        print(f"  Demo channel {name!r} reads {path}", flush=True)
    if prepared.mailbox_dir:
        print(f"  Demo mailbox: replies on 'Demo Mailbox' really go out (copies in {prepared.mailbox_dir}/outbox)"
              " and the customer answers in the same thread", flush=True)
    elif prepared.mailbox_problem and (prepared.seeded or prepared.demo_dir):
        print(f"  No demo mailbox: {prepared.mailbox_problem}. The demo channels only receive.", flush=True)
    if prepared.history_needed:
        print("  Eight weeks of demo history are being stored in the background (a few minutes)", flush=True)
    print("  Press Ctrl-C to stop.\n", flush=True)

    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    while not stopping:
        for child in children:
            supervise(child, time.monotonic())
        time.sleep(0.5)
    _stop(children)

    stop_embedded_redis(owner=True)
    return 0


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


@click.command(help="Set up (migrate, first admin, demo channel) and start web, worker, poller and scheduler together.")
@click.option("--port", default=None, type=int, help="Web port (default $PORT or 8000).")
@click.option("--demo/--no-demo", default=True, help="Seed the demo channel when no channel is configured.")
def run(port: int | None, demo: bool) -> None:
    sys.exit(run_all(port=port, demo=demo))


COMMANDS = (run,)
