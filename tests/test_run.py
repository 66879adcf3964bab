"""`inbox run` on a fresh instance: tickets within a minute, and Ctrl-C stops every process."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tickets(env: dict[str, str]) -> list[dict]:
    out = subprocess.run([sys.executable, "-m", "inbox", "tickets", "--json"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def test_run_starts_everything_shows_demo_tickets_and_stops_cleanly(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(INBOX_INSTANCE_PATH=str(tmp_path / "instance"), PORT=str(port), INBOX_POLL_INTERVAL="2")
    supervisor = subprocess.Popen([sys.executable, "-m", "inbox", "run"], env=env, cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    children: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 180  # the worker loads the model first; a busy machine takes a while
        tickets: list[dict] = []
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = json.load(response)
                tickets = _tickets(env)
                if len(tickets) >= 30 and {t["channel"] for t in tickets} >= {"x", "sms", "email"}:
                    break
            except OSError:
                pass
            assert supervisor.poll() is None, supervisor.stdout.read()
            time.sleep(1)
        assert (health["status"], health["database"], health["redis"]) == ("ok", "ok", "ok")
        assert len(tickets) >= 30, tickets
        assert {t["channel"] for t in tickets} >= {"x", "sms", "email"}
        assert all(t["sentiment"] in ("negative", "neutral", "positive") for t in tickets)
        children = psutil.Process(supervisor.pid).children(recursive=True)
        assert len(children) >= 5  # web (with its workers), worker, poller, scheduler, demo traffic
    finally:
        supervisor.send_signal(signal.SIGINT)
        output, _ = supervisor.communicate(timeout=60)
    assert supervisor.returncode == 0, output
    assert "First admin created: admin@inbox.local  password: " in output
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], output
    assert "all processes stopped" in output
    # one machine runs the same roles as several: the poller and the scheduler each took their lease
    assert "poller: this process" in output and "scheduler: this process" in output


def test_a_child_that_dies_is_restarted_and_the_others_keep_running(tmp_path):
    """The supervisor's rule on real processes: a dead child comes back after a pause that grows while it
    keeps dying; a child that is fine is never touched."""
    from inbox.cli.run import Child, _popen, supervise

    env = dict(os.environ)
    flaky_args = [sys.executable, "-c", "import sys; sys.exit(3)"]
    steady_args = [sys.executable, "-c", "import time; time.sleep(60)"]
    flaky = Child("flaky", flaky_args, env, _popen(flaky_args, env))
    steady = Child("steady", steady_args, env, _popen(steady_args, env))
    try:
        flaky.process.wait(10)
        now = time.monotonic()
        supervise(flaky, now)
        supervise(steady, now)
        assert flaky.restart_at == now + 1.0 and flaky.restarts == 0  # the first restart waits a second
        supervise(flaky, now + 1.0)
        assert flaky.restarts == 1 and flaky.restart_at is None
        flaky.process.wait(10)
        supervise(flaky, now + 1.5)
        assert flaky.restart_at == now + 1.5 + 2.0  # it died again at once: the pause doubles
        assert steady.process.poll() is None and steady.restarts == 0
    finally:
        for child in (flaky, steady):
            if child.process.poll() is None:
                child.process.kill()
                child.process.wait()
