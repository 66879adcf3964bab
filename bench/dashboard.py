"""The lead dashboard at a million tickets on PostgreSQL: GET /dashboard (live queues + the team's
metrics as SQL aggregates over the stored per-ticket SLA outcomes), and the day-by-day CSV.

    .venv/bin/python bench/dashboard.py [--repeats 20] [--url postgresql://...]

Uses the database bench/inbox_list.py seeds (1 M tickets with their sla_outcomes rows; seeded there
when missing or out of date). Signs in as a team lead through the login form with Flask's test
client and times the real requests (routing, session, queries, charts, template). Prints median,
p95 and max, and median ÷ the 300 ms goal.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import inbox_list  # noqa: E402  (the seed, its database and the sign-in password)
from cleanup import run  # noqa: E402
from server_settings import server_settings  # noqa: E402  (bench/ is the script's folder)

GOAL_MS = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", inbox_list.DEFAULT_URL))
    args = parser.parse_args()

    inbox_list._ensure_database(args.url)
    from sqlalchemy import text

    from inbox.app import create_app
    from inbox.extensions import db
    from inbox.setup import upgrade_database

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url.replace("postgresql://", "postgresql+psycopg://", 1), "WTF_CSRF_ENABLED": True,
                      **server_settings()})
    now = datetime.now(timezone.utc)
    with app.app_context():
        upgrade_database()
        with db.engine.begin() as conn:
            seeded_now = inbox_list._seeded(conn, args.tickets)
        if seeded_now is None:
            print(f"seeding {args.tickets:,} tickets (bench/inbox_list.py's seed) ...", flush=True)
            inbox_list.seed(db.engine, args.tickets, now)
        else:
            inbox_list.shift_to_now(db.engine, seeded_now, now)
        lead_email = db.session.scalar(text("SELECT email FROM users WHERE role = 'lead' ORDER BY id LIMIT 1"))
        in_range = db.session.scalar(text("SELECT count(*) FROM sla_outcomes WHERE opened_at >= :s"), {"s": now - timedelta(weeks=8)})
        total = db.session.scalar(text("SELECT count(*) FROM sla_outcomes"))
        db.session.rollback()
    print(f"database: {total:,} tickets with SLA outcomes; {in_range:,} opened in the dashboard's default 8 weeks")

    today = now.date()
    cases = [
        ("dashboard, default range (8 weeks)", "/dashboard"),
        ("dashboard, 26 weeks", f"/dashboard?from={today - timedelta(weeks=26)}&to={today}"),
        ("dashboard, one week", f"/dashboard?from={today - timedelta(days=6)}&to={today}"),
        ("day-by-day CSV, 8 weeks", f"/dashboard/export.csv?summary=1&from={today - timedelta(weeks=8)}&to={today}"),
    ]
    client = app.test_client()
    login = client.get("/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', login.data)
    assert token, "no CSRF token on the login page"
    response = client.post("/login", data={"email": lead_email, "password": inbox_list.PASSWORD, "csrf_token": token.group(1).decode()})
    assert response.status_code == 302, response.data[:300]

    print(f"\nGET as a team lead, {args.repeats} timed runs per case after 2 warm-ups (ms)")
    print(f"{'case':<40} {'p50':>7} {'p95':>7} {'max':>7}  p50/goal")
    for name, url in cases:
        for _ in range(2):
            warm = client.get(url)
            assert warm.status_code == 200, (url, warm.status_code, warm.data[:300])
            warm.get_data()
        timings = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            response = client.get(url)
            response.get_data()
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        p50 = statistics.median(timings)
        p95 = inbox_list._percentile(timings, 0.95)
        print(f"{name:<40} {p50:7.1f} {p95:7.1f} {max(timings):7.1f}  {p50 / GOAL_MS:.2f}", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    run(main, inbox_list.INSTANCE)
