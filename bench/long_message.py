"""What a long message costs to store and to work with, on PostgreSQL (search documents, trigram and
bigram indexes included): 12 500, 25 000 and 50 000 characters, so the growth can be read off.

    .venv/bin/python bench/long_message.py [--database postgresql://postgres@127.0.0.1:5432/postgres] [--repeats 5]

For each length, in a fresh database: ingest a ticket whose first message has that length, then a
second such message in the same ticket, then set it pending and reopen it. Medians of `--repeats`
runs, and each step's time ÷ the same step with a 140-character message (the demo's mean). Goal:
under 0.5 s for every step at 50 000 characters, and cost growing linearly (doubling the length at
most about doubles the time).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cleanup import bench_instance, run  # noqa: E402  (bench/ is the script's folder)
from server_settings import server_settings  # noqa: E402

INSTANCE = bench_instance("inbox-bench-long-")

FILLER = "My router drops the connection every evening and support never called back. 毎晩ルーターが切れて困っています。"
LENGTHS = (140, 12_500, 25_000, 50_000)
STEPS = ("first message", "second message", "pending", "reopen")


def text_of(length: int, salt: str) -> str:
    return (salt + " " + FILLER * (length // len(FILLER) + 1))[:length]


def one_run(app, length: int, run: int) -> dict[str, float]:
    from inbox.auth.users import create_user
    from inbox.channels import get_or_create_account
    from inbox.connectors.jsonl import message_from_record
    from inbox.extensions import db
    from inbox.sentiment import Sentiment
    from inbox.tickets.workspace.actions import reopen_ticket, set_pending
    from inbox.tickets.ingest import ingest_messages
    from inbox.tickets.models import Ticket

    account, _ = get_or_create_account(f"Long {length}-{run}", "jsonl", "x")
    agent = create_user(f"agent-{length}-{run}@example.com", "Agent", "agent", "correct horse battery")[0]
    now = datetime.now(timezone.utc)
    timings: dict[str, float] = {}
    for step, minutes in (("first message", 30), ("second message", 20)):
        record = {"external_id": f"{step}-{length}-{run}", "kind": "mention", "conversation": f"conv-{length}-{run}",
                  "author": {"id": f"a-{length}-{run}", "handle": "@patient", "name": "Patient"},
                  "text": text_of(length, step), "created_at": (now - timedelta(minutes=minutes)).isoformat()}
        started = time.perf_counter()
        ingest_messages(account, [message_from_record(record)], [Sentiment("negative", 0.9, "bench")], timedelta(days=7))
        timings[step] = time.perf_counter() - started
    ticket = db.session.query(Ticket).filter_by(account_id=account.id).one()
    started = time.perf_counter()
    set_pending(ticket, agent)
    timings["pending"] = time.perf_counter() - started
    started = time.perf_counter()
    reopen_ticket(ticket, agent)
    timings["reopen"] = time.perf_counter() - started
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="a PostgreSQL server URL; the bench creates and drops database inbox_bench_long on it")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import psycopg

    base = args.database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "inbox_bench_long" WITH (FORCE)')
        conn.execute('CREATE DATABASE "inbox_bench_long"')
    server = base.rpartition("/")[0].removeprefix("postgresql://")
    from inbox.app import create_app
    from inbox.extensions import db
    from inbox.setup import upgrade_database

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://{server}/inbox_bench_long", **server_settings()})
    results: dict[int, dict[str, float]] = {}
    with app.app_context():
        upgrade_database()
        one_run(app, 140, -1)  # warm up connections and caches
        for length in LENGTHS:
            runs = [one_run(app, length, run) for run in range(args.repeats)]
            results[length] = {step: statistics.median(r[step] for r in runs) for step in STEPS}
        db.session.remove()
        db.engine.dispose()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "inbox_bench_long" WITH (FORCE)')

    print(f"median of {args.repeats} runs, PostgreSQL; seconds (÷ the same step with a 140-character message)")
    print(f"{'characters':>10}  " + "  ".join(f"{step:>22}" for step in STEPS))
    for length in LENGTHS:
        cells = [f"{results[length][s]:8.3f} s ({results[length][s] / results[140][s]:5.1f}×)" for s in STEPS]
        print(f"{length:>10}  " + "  ".join(f"{c:>22}" for c in cells))
    worst = max(results[50_000].values())
    growth = max(results[50_000][s] / results[25_000][s] for s in STEPS)
    print(f"slowest step at 50 000 characters: {worst:.3f} s (goal < 0.5 s); 25 000 -> 50 000 grows at most {growth:.2f}× "
          f"(linear: about 2×); load average {os.getloadavg()[0]:.1f}")
    return 0 if worst < 0.5 else 1


if __name__ == "__main__":
    sys.exit(run(main, INSTANCE))
