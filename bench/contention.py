"""The pipeline under contention: throughput while other processes keep the machine busy, ÷ quiet, same run.

    .venv/bin/python bench/contention.py [--messages 2000] [--repeats 1] [--rate 20]

Each repeat runs bench/pipeline.py's pipeline measurement (JSONL import -> RQ -> the worker class in
burst mode, in a fresh instance) twice on the same messages: once quiet, once while a load generator
runs — one CPU-bound process (a busy loop: the "other core") and `--rate` web requests per second
(the sign-in page and /healthz, alternately) against a running web server (gunicorn, one worker, of
an instance of its own). While the load runs, a fresh process also loads the sentiment model and says
how long that took. Printed: msgs/s quiet and under contention and their ratio (goal ≥ 0.6), the web's
p50/p95 during the contended run (goal p95 < 300 ms), the model load time (goal < 15 s), the torch
threads the worker chose each time, and the load averages. The order quiet/contended alternates
between repeats. Everything the bench starts is stopped, its folders removed.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

GOAL_RATIO, GOAL_P95_MS, GOAL_LOAD_S = 0.6, 300.0, 15.0
BUSY_LOOP = "import signal, sys\nsignal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\nwhile True:\n    pass\n"
LOAD_MODEL = ("import time; t = time.perf_counter()\nfrom inbox.sentiment import get_classifier, threads\n"
              "get_classifier().classify(['warm up'])\nprint(time.perf_counter() - t, threads.current())\n")


def request_loop(url: str, rate: float, out: Path) -> int:
    """The web load: `rate` GETs per second on a fixed schedule (late ones are not skipped) until SIGTERM."""
    import signal

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    latencies: list[float] = []
    errors = [0]
    paths = ["/login", "/healthz"]

    def one(path: str) -> None:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url + path, timeout=30) as response:
                response.read()
        except Exception:  # noqa: BLE001  counted: a refused or failed request is part of the result
            errors[0] += 1
            return
        latencies.append((time.perf_counter() - started) * 1000)

    with ThreadPoolExecutor(max_workers=16) as pool:
        start, n = time.perf_counter(), 0
        while not stop.is_set():
            pool.submit(one, paths[n % 2])
            n += 1
            stop.wait(max(0.0, start + n / rate - time.perf_counter()))
    out.write_text(json.dumps({"latencies_ms": latencies, "errors": errors[0], "sent": n}))
    return 0


class Load:
    """A busy loop, a web server of its own instance, and the request loop against it."""

    def __init__(self, base: Path, rate: float) -> None:
        from cleanup import stop_process

        self.stop_process = stop_process
        self.base, self.rate = base, rate
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.env = {**os.environ, "INBOX_INSTANCE_PATH": str(base / "web-instance"), "PYTHONPATH": str(ROOT)}
        self.env.pop("DATABASE_URL", None)
        self.env.pop("REDIS_URL", None)
        self.out = base / "web-latencies.json"
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> "Load":
        subprocess.run([sys.executable, "-c", "from inbox.app import create_app\nfrom inbox.setup import upgrade_database\n"
                        "app = create_app()\nwith app.app_context():\n    upgrade_database()\n"],
                       env=self.env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        web = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app", "--chdir", str(ROOT), "--config",
                                str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
                                "--threads", "8"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(web)
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url + "/login", timeout=10).read()
                break
            except Exception:  # noqa: BLE001  not listening yet
                if time.monotonic() > deadline or web.poll() is not None:
                    raise RuntimeError("the web server did not start")
                time.sleep(0.2)
        self.processes.append(subprocess.Popen([sys.executable, "-c", BUSY_LOOP]))
        self.processes.append(subprocess.Popen([sys.executable, __file__, "--request-loop", url, "--rate", str(self.rate),
                                                "--out", str(self.out)]))
        return self

    def web_latencies(self) -> dict:
        return json.loads(self.out.read_text()) if self.out.exists() else {"latencies_ms": [], "errors": 0, "sent": 0}

    def __exit__(self, *exc: object) -> None:
        for process in reversed(self.processes):  # the request loop first: it writes its latencies as it stops
            self.stop_process(process, 30)
        # the embedded Redis the web's instance started: shut down, not left behind
        subprocess.run([sys.executable, "-c", "from inbox.app import create_app\nfrom inbox.redis_client import "
                        "get_redis\napp = create_app()\nwith app.app_context():\n    get_redis().shutdown(nosave=True)\n"],
                       env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def model_load_seconds(env: dict[str, str]) -> tuple[float, int]:
    done = subprocess.run([sys.executable, "-c", LOAD_MODEL], env=env, capture_output=True, text=True, check=True)
    seconds, threads = done.stdout.split()[-2:]
    return float(seconds), int(threads)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--rate", type=float, default=20.0, help="web requests per second under contention (default 20)")
    parser.add_argument("--request-loop", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.request_loop:
        return request_loop(args.request_loop, args.rate, args.out)

    import pipeline
    from inbox.channels.poller import BATCH_SIZE
    from inbox.sentiment import get_classifier, threads

    used, messages = pipeline.make_messages(args.messages, "demo")
    info = pipeline.describe(messages)
    batches = pipeline.job_batches(messages, BATCH_SIZE)
    started = time.perf_counter()
    get_classifier().classify(batches[0] or ["warm up"])
    print(f"{info['messages']} messages from {used} ({info['inbound']} inbound); model loaded in {time.perf_counter() - started:.1f} s "
          f"with {threads.current()} torch threads; cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    for r in range(args.repeats):
        row: dict = {}
        for step in (("quiet", "contended") if r % 2 == 0 else ("contended", "quiet")):
            threads.retune(force=True)  # look at the machine now, as a worker does between jobs
            if step == "quiet":
                row["quiet"] = pipeline.run_pipeline(10 * r + 1, messages, info, None)
                row["quiet_load"], row["quiet_threads"] = os.getloadavg()[0], threads.current()
                continue
            with Load(pipeline.BASE_DIR / f"load-{r}", args.rate) as load:
                time.sleep(2)  # the busy loop and the requests are under way
                row["model_load_s"], row["load_threads"] = model_load_seconds(load.env)
                threads.retune(force=True)
                row["contended"] = pipeline.run_pipeline(10 * r + 2, messages, info, None)
                row["contended_load"], row["contended_threads"] = os.getloadavg()[0], threads.current()
            row["web"] = load.web_latencies()
        quiet, busy = row["quiet"], row["contended"]
        row["ratio"] = busy["msgs_per_s"] / quiet["msgs_per_s"]
        web = row["web"]["latencies_ms"]
        row["p50"], row["p95"] = percentile(web, 0.5), percentile(web, 0.95)
        rows.append(row)
        print(f"[{r + 1}/{args.repeats}] quiet {quiet['msgs_per_s']:.1f} msgs/s ({row['quiet_threads']} threads, load {row['quiet_load']:.1f}) | "
              f"contended {busy['msgs_per_s']:.1f} msgs/s ({row['contended_threads']} threads, load {row['contended_load']:.1f}) | "
              f"ratio {row['ratio']:.2f} | web p50 {row['p50']:.0f} ms, p95 {row['p95']:.0f} ms over {len(web)} requests "
              f"({row['web']['errors']} errors) | model load under contention {row['model_load_s']:.1f} s ({row['load_threads']} threads) | "
              f"counts {'OK' if quiet['ok'] and busy['ok'] else 'MISMATCH'}", flush=True)
    ratio = statistics.median(r["ratio"] for r in rows)
    p95 = statistics.median(r["p95"] for r in rows)
    load_s = statistics.median(r["model_load_s"] for r in rows)
    print(f"\nmedians of {len(rows)}: contended ÷ quiet {ratio:.2f} (goal ≥ {GOAL_RATIO}); web p95 {p95:.0f} ms (goal < {GOAL_P95_MS:.0f}); "
          f"model load {load_s:.1f} s (goal < {GOAL_LOAD_S:.0f}); load average at the end {os.getloadavg()[0]:.1f}")
    ok = all(r["quiet"]["ok"] and r["contended"]["ok"] for r in rows)
    return 0 if ok and ratio >= GOAL_RATIO and p95 < GOAL_P95_MS and load_s < GOAL_LOAD_S else 1


if __name__ == "__main__":
    if "--request-loop" in sys.argv:
        sys.exit(main())
    import pipeline  # noqa: F401  (sets the bench's instance folder before inbox is imported)
    from cleanup import run

    sys.exit(run(main, pipeline.BASE_DIR))
