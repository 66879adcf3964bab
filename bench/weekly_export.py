"""Weekly export throughput on the embedded defaults (SQLite file in a temporary instance folder).

    .venv/bin/python bench/weekly_export.py [--messages 100000] [--repeats 3]

Seeds one ISO week (2026-W47, Asia/Tokyo) with N inbound customer messages (English and Japanese,
three channels, 20 % of tickets resolved, 1 % of messages corrected by an agent) with direct bulk
inserts, then times `write_weekly_export` — messages CSV, day × channel summary and themes (up to 400
negative messages embedded by the sentiment encoder and clustered; `--no-model` for phrase vectors) —
and prints the median. The target is 100,000 messages in under 10 s.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_DIR = Path(tempfile.mkdtemp(prefix="inbox-bench-weekly-"))
os.environ["INBOX_INSTANCE_PATH"] = str(BASE_DIR / "instance")
for _var in ("DATABASE_URL", "REDIS_URL"):
    os.environ.pop(_var, None)
sys.path.insert(0, str(ROOT))

ENGLISH = [
    "My parcel is late again, where is my order?", "The app crashes every time I log in", "Thanks, quick and helpful support!",
    "I was charged twice for my subscription, refund please", "Is the store open on Sunday?", "Great service as always",
    "Still waiting for my refund after two weeks", "Delivery driver left the box in the rain", "How do I change my address?",
    "Your checkout page keeps timing out", "Love the new update", "Nobody answers the phone, terrible support",
]
JAPANESE = [
    "配達が遅いです。いつ届きますか？", "アプリが起動しません", "ありがとうございます、助かりました", "返金はいつになりますか",
    "ログインできません。パスワードを再設定しても駄目です", "サポートの対応がとても丁寧でした", "注文した商品が届いていません",
]


def seed(n: int, rng: random.Random) -> None:
    from sqlalchemy import insert

    from inbox.auth.users import create_user
    from inbox.channels import ChannelAccount
    from inbox.extensions import db
    from inbox.tickets.models import Contact, ContactIdentity, Message, SentimentCorrection, Ticket, TicketEvent

    user, _ = create_user("bench@example.com", "Bench", "agent", "correct horse battery")
    accounts = [("Nova X", "x"), ("Nova SMS", "sms"), ("Nova Email", "email")]
    for i, (name, channel) in enumerate(accounts, start=1):
        db.session.execute(insert(ChannelAccount).values(id=i, name=name, connector="jsonl", channel=channel, config={},
                                                         enabled=True, status="ok", created_at=datetime.now(timezone.utc)))
    start = datetime(2026, 11, 15, 15, 0, tzinfo=timezone.utc)  # Monday 00:00 in Tokyo
    contacts = max(n // 20, 1)
    tickets = max(n // 5, 1)
    now = datetime.now(timezone.utc)
    db.session.execute(insert(Contact), [{"id": c, "display_name": f"Customer {c}", "created_at": now} for c in range(1, contacts + 1)])
    db.session.execute(insert(ContactIdentity), [
        {"id": c, "contact_id": c, "channel": accounts[c % 3][1], "external_id": f"u{c}", "handle": f"@customer{c}",
         "name": f"Customer {c}", "updated_at": now} for c in range(1, contacts + 1)])
    ticket_rows, events = [], []
    for t in range(1, tickets + 1):
        account = t % 3 + 1
        opened = start + timedelta(seconds=rng.randrange(7 * 86400))
        resolved = t % 5 == 0
        ticket_rows.append({"id": t, "account_id": account, "channel": accounts[account - 1][1], "contact_id": t % contacts + 1,
                            "conversation_key": f"c{t}", "kind": "mention", "status": "resolved" if resolved else "open",
                            "priority": "normal", "subject": "", "message_count": 5,
                            "opened_at": opened, "created_at": opened, "updated_at": opened})
        if resolved:
            events.append({"ticket_id": t, "type": "status", "at": opened + timedelta(hours=2), "data": {"from": "open", "to": "resolved"}})
    db.session.execute(insert(Ticket), ticket_rows)
    db.session.execute(insert(TicketEvent), events)
    labels = ("negative", "neutral", "positive")
    for chunk in range(0, n, 10_000):
        rows = []
        for m in range(chunk + 1, min(chunk + 10_000, n) + 1):
            ticket = m % tickets + 1
            japanese = m % 3 == 0
            text = rng.choice(JAPANESE if japanese else ENGLISH)
            rows.append({"id": m, "ticket_id": ticket, "account_id": ticket % 3 + 1, "conversation_key": f"c{ticket}",
                         "external_id": f"m{m}", "direction": "inbound", "kind": "mention", "identity_id": ticket % contacts + 1,
                         "author_handle": f"@customer{ticket % contacts + 1}", "author_name": "Customer",
                         "text": f"{text} #{m % 97}", "sent_at": start + timedelta(seconds=rng.randrange(7 * 86400)),
                         "received_at": now, "lang": "ja" if japanese else "en", "sentiment_label": rng.choice(labels),
                         "sentiment_score": round(rng.uniform(0.4, 1.0), 4), "sentiment_model": "bench"})
        db.session.execute(insert(Message), rows)
    db.session.execute(insert(SentimentCorrection), [
        {"message_id": m, "label": "negative", "corrected_by_id": user.id, "created_at": now} for m in range(1, n + 1, 100)])
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-model", action="store_true",
                        help="Group themes by hashed phrase vectors instead of the sentiment encoder.")
    args = parser.parse_args()

    from zoneinfo import ZoneInfo

    from inbox.app import create_app
    from inbox.setup import upgrade_database
    from inbox.voice.export import ExportOptions, write_weekly_export
    from inbox.voice.weeks import IsoWeek

    app = create_app()
    with app.app_context():
        upgrade_database()
        started = time.perf_counter()
        seed(args.messages, random.Random(7))
        print(f"seeded {args.messages:,} messages in {time.perf_counter() - started:.1f} s ({app.config['SQLALCHEMY_DATABASE_URI']})")
        embed = None
        if not args.no_model:
            from inbox.sentiment import topic_embedder

            loading = time.perf_counter()
            embed = topic_embedder()  # a worker has it loaded already: not part of the export's time
            print(f"sentiment encoder for themes loaded in {time.perf_counter() - loading:.1f} s"
                  if embed else "no sentiment encoder: themes grouped by phrase vectors")
        timings, cpu = [], []
        for repeat in range(args.repeats):
            cpu_started = time.process_time()
            out = BASE_DIR / "exports"
            result = write_weekly_export(IsoWeek(2026, 47), out, ExportOptions(zone=ZoneInfo("Asia/Tokyo"), pseudonymise=True,
                                                                                 secret_key="bench", embed=embed))
            assert result.messages == args.messages, result.messages
            timings.append(result.seconds)
            cpu.append(time.process_time() - cpu_started)
            sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in result.files)
            print(f"run {repeat + 1}: {result.seconds:.2f} s wall, {cpu[-1]:.2f} s CPU "
                  f"({args.messages / result.seconds:,.0f} messages/s); {sizes}")
        median = statistics.median(timings)
        print(f"weekly export, {args.messages:,} messages: median {median:.2f} s wall, {statistics.median(cpu):.2f} s CPU "
              f"over {len(timings)} runs ({'within' if median < 10 else 'OVER'} the 10 s target); load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print("top themes: " + " | ".join(f"{t.label} ({t.messages})" for t in result.themes[:8]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
