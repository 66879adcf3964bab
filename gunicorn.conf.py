"""gunicorn settings: read by `gunicorn wsgi:app` run from the checkout, and by `inbox run`.

Every open inbox or ticket tab keeps one live-update stream (GET /events) for up to 60 s at a time,
and a gthread worker gives each stream a thread. A connection is handed to a worker before it has
a free thread, and the workers share connections about evenly but at random, so each worker needs
enough threads for the streams that land on it plus the page requests behind them. 2 workers x 32
threads keep pages at ~12 ms with 20 (and 40) open streams; 4 threads timed every page out
(bench/live_sse.py, docs/benchmarks.md). An idle stream thread costs memory, not CPU.
"""
import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "32"))
graceful_timeout = 10
