"""SLA sweep over 100 k open tickets on PostgreSQL.

    .venv/bin/python bench/sla_sweep.py [--tickets 100000] [--repeats 5] [--url postgresql://postgres@127.0.0.1:5432/inbox_bench]

Creates (or empties) the bench database, migrates it, bulk-inserts the open tickets (5 % past their
due time, 10 % past the warning time, the rest on track; a third assigned to one of 20 agents; 3
leads), then times `inbox.tickets.sla.sweep.sweep()` `--repeats` times. Before each timed run the
previous run's breaches, events, notifications and states are undone (and vacuumed) outside the timing, so every
run records the same 5 000 breaches (and 5 000 × 4 notifications) from scratch. A final run with
nothing new to record ("steady state", what most minutes look like) is timed too. Prints medians.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from server_settings import server_settings  # noqa: E402  (bench/ is the script's folder)
os.environ.setdefault("INBOX_INSTANCE_PATH", tempfile.mkdtemp(prefix="inbox-bench-sla-"))


def _ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def _seed(n: int, now: datetime) -> None:
    from sqlalchemy import insert, text

    from inbox.auth.models import User
    from inbox.channels import ChannelAccount
    from inbox.extensions import db
    from inbox.tickets.models import Contact, Ticket

    db.session.execute(text("TRUNCATE tickets, contacts, channel_accounts, users, sla_breaches, sla_warnings, notifications, ticket_events RESTART IDENTITY CASCADE"))
    db.session.execute(insert(ChannelAccount), [{"name": "bench", "connector": "jsonl", "channel": "x", "config": {}, "enabled": True,
                                                 "status": "ok", "created_at": now}])
    users = [{"email": f"agent{i}@bench", "name": f"Agent {i}", "role": "agent", "password_hash": "-", "active": True, "created_at": now} for i in range(20)]
    users += [{"email": f"lead{i}@bench", "name": f"Lead {i}", "role": "lead", "password_hash": "-", "active": True, "created_at": now} for i in range(3)]
    db.session.execute(insert(User), users)
    db.session.execute(insert(Contact), [{"display_name": f"c{i}", "created_at": now} for i in range(1000)])
    rows = []
    for i in range(n):
        bucket = i % 20
        if bucket == 0:  # 5 %: first response overdue
            opened = now - timedelta(hours=5)
        elif bucket in (1, 2):  # 10 %: past 80 % of the first-response target
            opened = now - timedelta(hours=3, minutes=30)
        else:
            opened = now - timedelta(minutes=(i % 180))
        first_due = opened + timedelta(hours=4)
        rows.append({
            "account_id": 1, "channel": "x", "contact_id": 1 + i % 1000, "conversation_key": f"conv-{i}", "kind": "mention",
            "status": "new" if i % 2 else "open", "priority": "normal", "assignee_id": (1 + i % 20) if i % 3 == 0 else None,
            "subject": "bench", "message_count": 1, "opened_at": opened,
            "first_response_due_at": first_due, "resolution_due_at": opened + timedelta(hours=24),
            "due_at": first_due, "due_target": "first_response", "sla_warn_at": opened + timedelta(hours=3, minutes=12),
            "created_at": opened, "updated_at": opened,
        })
    for start in range(0, n, 10_000):
        db.session.execute(insert(Ticket), rows[start:start + 10_000])
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _undo() -> None:
    from sqlalchemy import text

    from inbox.extensions import db

    db.session.execute(text("DELETE FROM notifications"))
    db.session.execute(text("DELETE FROM ticket_events WHERE type = 'sla_breached'"))
    db.session.execute(text("DELETE FROM sla_breaches"))
    db.session.execute(text("DELETE FROM sla_warnings"))
    db.session.commit()
    # the undo itself leaves dead rows a real minute would not have; autovacuum's job, done here
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE tickets, sla_breaches, notifications, ticket_events"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/inbox_bench"))
    args = parser.parse_args()

    _ensure_database(args.url)
    from inbox.app import create_app
    from inbox.extensions import db
    from inbox.setup import upgrade_database
    from inbox.tickets.sla.sweep import sweep

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "REDIS_URL": "redis://127.0.0.1:1/0", **server_settings()})
    with app.app_context():
        upgrade_database()
        now = datetime.now(timezone.utc)
        started = time.perf_counter()
        _seed(args.tickets, now)
        print(f"seeded {args.tickets} open tickets in {time.perf_counter() - started:.1f} s")
        timings, steady = [], []
        for run in range(args.repeats):
            _undo()
            started = time.perf_counter()
            result = sweep(now)
            timings.append(time.perf_counter() - started)
            print(f"run {run + 1}: {timings[-1]:.3f} s  breaches={result.breaches} newly_breached={result.newly_breached} "
                  f"newly_at_risk={result.newly_at_risk}")
            started = time.perf_counter()
            again = sweep(now + timedelta(seconds=1))
            steady.append(time.perf_counter() - started)
            assert again.breaches == 0, "a breach was recorded twice"
        notifications = db.session.execute(db.text("SELECT count(*) FROM notifications")).scalar()
        print(f"notifications after the last run: {notifications}")
        print(f"SLA sweep, {args.tickets} open tickets, PostgreSQL: median {statistics.median(timings):.3f} s "
              f"(5 % newly breached), steady state median {statistics.median(steady):.3f} s, over {args.repeats} runs")


if __name__ == "__main__":
    main()
