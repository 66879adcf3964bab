"""Nothing lost, nothing doubled: two workers racing, a worker killed mid-batch, Redis restarted,
the database cut off for longer than the old retry budget, poison input. Real processes, real faults."""
from __future__ import annotations

import json
import random
import time
from datetime import datetime, timedelta, timezone

import pytest
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import func, select

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.jobqueue import INGEST_QUEUE, enqueue, get_queue
from inbox.redis_client import get_redis
from inbox.tickets.models import Contact, ContactIdentity, Ticket
from tests.chaos.conftest import Tally, TcpProxy, wait_for, wait_with_progress
from tests.helpers import message, write_jsonl

pytestmark = pytest.mark.chaos

START = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def processes_of(folder: str) -> list[int]:
    """Pids of every process started with this instance folder (each test process has its own)."""
    import psutil

    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("INBOX_INSTANCE_PATH", "") == folder:
                found.append(proc.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def public_thread(conversations: int, per_conversation: int, prefix: str = "t") -> list[dict]:
    """A normal public X thread: every message by a different author."""
    records = []
    for c in range(conversations):
        for i in range(per_conversation):
            n = c * per_conversation + i
            records.append(message(f"{prefix}{n}", f"{prefix}-conv-{c}", f"@brand reply {i} in thread {c}: still no signal here",
                                   START + timedelta(minutes=c, seconds=i), author=f"{prefix}-author-{n}",
                                   kind="mention" if i == 0 else "reply"))
    return records


def payloads(records: list[dict]) -> list[dict]:
    return [message_from_record(r).to_payload() for r in records]


def enqueue_batches(account_id: int, items: list[dict], size: int) -> int:
    for start in range(0, len(items), size):
        enqueue("ingest_batch", account_id, items[start:start + size])
    return -(-len(items) // size)


def test_two_workers_racing_on_one_public_thread_make_one_ticket_per_conversation(app, processes, report_chaos):
    account, _ = get_or_create_account("Race X", "jsonl", "x")
    records = public_thread(100, 12)
    items = payloads(records)
    # the same messages twice, in different batches and orders: both workers decide on the same conversations at once
    shuffled = items[:]
    random.Random(5).shuffle(shuffled)
    enqueue_batches(account.id, items, 200)
    enqueue_batches(account.id, shuffled, 150)
    workers = [processes.worker(f"racer-{i}", "--burst", model="vader") for i in range(2)]
    tally = Tally({r["external_id"] for r in records}, [account.id])
    for worker in workers:
        wait_with_progress(lambda w=worker: not w.alive(), lambda: (len(tally.stored_ids()), len(worker.text())), 240,
                           f"{worker.name} to finish")
        assert worker.popen.returncode == 0, worker.text()[-4000:]
    assert FailedJobRegistry(queue=get_queue(INGEST_QUEUE)).count == 0
    assert report_chaos(tally) == (0, 0)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.account_id == account.id)) == 100
    assert set(db.session.scalars(select(Ticket.message_count).where(Ticket.account_id == account.id))) == {12}
    # every author is one identity and one contact, however many batches met them at once
    assert db.session.scalar(select(func.count()).select_from(ContactIdentity)) == 1200
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1200


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(app, processes, report_chaos):
    account, _ = get_or_create_account("Killed X", "jsonl", "x")
    records = public_thread(50, 20, prefix="k")
    enqueue_batches(account.id, payloads(records), 200)
    redis = get_redis()
    started = StartedJobRegistry(queue=get_queue(INGEST_QUEUE))
    victim = processes.worker("victim", "--no-scheduler")
    # loading the model can take minutes on a crowded machine: a generous deadline, checked every 50 ms
    wait_for(lambda: started.count > 0 or not victim.alive(), 600, 0.05, "the victim to start a batch")
    time.sleep(0.5)  # inside the batch: classifying or writing
    assert started.count == 1, victim.text()[-3000:]
    (job_id,) = started.get_job_ids(cleanup=False)
    victim.kill(9)
    killed_at = time.monotonic()
    rescuer = processes.worker("rescuer")
    tally = Tally({r["external_id"] for r in records}, [account.id])
    # the rescuer loads the model, then stores batch after batch: failing only when nothing moves for 4 minutes
    wait_with_progress(lambda: tally.lost() == 0, lambda: (len(tally.stored_ids()), len(rescuer.text())), 240,
                       "every message to be stored after the kill")
    recovered_after = time.monotonic() - killed_at
    rescuer.wait_log("loaded in", 10)
    assert report_chaos(tally) == (0, 0)
    assert FailedJobRegistry(queue=get_queue(INGEST_QUEUE)).count == 0
    # a finished ingest job is deleted at once (result_ttl 0: its arguments are customers' words); that the kill
    # spent none of its retries shows as the reaper's own line for it and nothing waiting for a retry
    assert get_queue(INGEST_QUEUE).fetch_job(job_id) is None
    assert f"job {job_id} (" in rescuer.text(), rescuer.text()[-3000:]
    assert ScheduledJobRegistry(queue=get_queue(INGEST_QUEUE)).count == 0, "the kill used up one of the job's retries"
    assert "was running on worker" in rescuer.text()  # the reaper took the batch back, RQ's 10-minute cleanup did not
    loaded = float(rescuer.text().split("loaded in ")[1].split(" s")[0])
    # the rescuer had to load the model first; the batch itself came back in minutes (the reaper), not after
    # RQ's 10-minute cleanup of a dead worker's jobs
    assert recovered_after - loaded < 300, (recovered_after, loaded)
    # nothing of the killed worker is left behind: no scheduler child holding a lock, no alive key
    assert processes_of(processes.env("victim")["INBOX_INSTANCE_PATH"]) == []
    assert not [key for key in redis.scan_iter("inbox:worker-alive:*") if redis.ttl(key) > 15]


def test_redis_stopped_and_restarted_mid_run_loses_nothing(app, processes, own_redis, tmp_path, report_chaos):
    inbox_file = tmp_path / "feed" / "sms.jsonl"
    records = [message(f"r{i}", f"+81900000{i % 40:03d}", f"message {i}: my bill is wrong", START + timedelta(seconds=i),
                       author=f"+81900000{i % 40:03d}", kind="sms", followers=None) for i in range(1000)]
    write_jsonl(inbox_file, records[:400])
    account, _ = get_or_create_account("Restart SMS", "jsonl", "sms", {"path": str(inbox_file.parent), "fetch_limit": 200})
    processes.redis_url = own_redis.url
    worker = processes.worker("worker", model="vader")
    poller = processes.start("poller", "poll")
    tally = Tally({r["external_id"] for r in records}, [account.id])
    wait_with_progress(lambda: len(tally.stored_ids()) >= 100, lambda: (len(worker.text()), len(poller.text())), 180,
                       "the first messages to arrive", interval=0.5)
    own_redis.stop()
    write_jsonl(inbox_file, records[400:800])  # arrives while Redis is down
    time.sleep(8)
    assert worker.alive() and poller.alive(), (worker.text()[-2000:], poller.text()[-2000:])
    own_redis.start()
    write_jsonl(inbox_file, records[800:])
    wait_with_progress(lambda: tally.lost() == 0, lambda: (len(tally.stored_ids()), len(worker.text())), 240,
                       "every message after Redis came back")
    assert report_chaos(tally) == (0, 0)
    assert worker.alive() and poller.alive()
    assert "unavailable" in poller.text() and "is back" in poller.text()


def test_database_cut_off_longer_than_the_old_retry_budget(app, processes, report_chaos):
    """The old retries (10 + 30 + 60 s) gave up after 100 s and parked the batch; now they outlast it."""
    account, _ = get_or_create_account("Outage X", "jsonl", "x")
    records = public_thread(20, 10, prefix="o")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    outage = 105.0
    if url.startswith("sqlite"):
        # SQLite has no network: the outage is a writer holding the database for longer than anyone waits
        import sqlite3

        holder = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)
        release = lambda: holder.rollback()  # noqa: E731
        holder.execute("BEGIN EXCLUSIVE")
        worker = processes.worker("worker", model="vader")
    else:
        from sqlalchemy.engine import make_url

        target = make_url(url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        proxied = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        worker = processes.worker("worker", model="vader", DATABASE_URL=proxied.replace("postgresql+psycopg://", "postgresql://"))
        worker.wait_log("loaded in", 600)
        proxy.cut()
        release = proxy.restore
    enqueue_batches(account.id, payloads(records), 100)
    cut_at = time.monotonic()
    try:
        while time.monotonic() - cut_at < outage:
            assert worker.alive(), worker.text()[-3000:]
            time.sleep(1)
    finally:
        release()
    if not url.startswith("sqlite"):
        assert "OperationalError" in worker.text()  # the attempts did fail while the database was away
    tally = Tally({r["external_id"] for r in records}, [account.id])
    wait_with_progress(lambda: tally.lost() == 0, lambda: (len(tally.stored_ids()), len(worker.text())), 400,
                       "every message after the database came back", interval=2.0)
    assert report_chaos(tally) == (0, 0)
    assert FailedJobRegistry(queue=get_queue(INGEST_QUEUE)).count == 0
    assert worker.alive()


def test_poison_corpus_every_good_line_stored_every_bad_one_reported_later_accounts_polled(app, processes, tmp_path, run_jobs,
                                                                                            report_chaos):
    from inbox.channels.models import ChannelAccount, RejectedMessage
    from inbox.channels.poller import poll_once

    good = [message(f"g{i}", f"conv-{i % 7}", f"good line {i}: router keeps dropping", START + timedelta(minutes=i),
                    author=f"cust-{i % 7}") for i in range(30)]
    poison_lines = [
        json.dumps({**message("p1", "c", "x", START), "text": "bad \ud800"}),
        json.dumps({**message("p2", "c", "x", START), "text": "nul \u0000 inside"}),
        json.dumps({**message("p3", "c", "x", START), "created_at": "0001-01-01T00:30:00+01:00"}),
        json.dumps({**message("p4", "c", "x", START), "created_at": "9999-12-31T23:59:59+00:00"}),
        '{"external_id": "p5", "kind": "mention", "conversation": "c", "author": {"id": "a"}, "text": "' + "x" * 2_000_000 + '"}',
        json.dumps({**message("p6", "c", "x", START), "author": ["not", "an", "object"]}),
        json.dumps({**message("p7", "c", "x", START), "external_id": {"nested": True}}),
        json.dumps({k: v for k, v in message("p8", "c", "x", START).items() if k != "text"}),
        "{not json",
    ]
    first = tmp_path / "first.jsonl"
    first.write_bytes(b"\xef\xbb\xbf")  # a BOM before line 1
    write_jsonl(first, good[:10], raw_lines=poison_lines)
    write_jsonl(first, good[10:20])
    broken, _ = get_or_create_account("A broken account", "jsonl", "sms", {"path": str(first), "fetch_limit": "lots"})
    poisoned, _ = get_or_create_account("B poisoned", "jsonl", "x", {"path": str(first)})
    later_file = write_jsonl(tmp_path / "later" / "c.jsonl", good[20:])
    later, _ = get_or_create_account("C later", "jsonl", "email", {"path": str(later_file.parent)})
    outcomes = {o.account: o for o in poll_once()}
    assert set(outcomes) == {"A broken account", "B poisoned", "C later"}  # one account's crash stops no other
    assert outcomes["A broken account"].error and "unexpectedly" in outcomes["A broken account"].error
    assert (outcomes["B poisoned"].fetched, outcomes["B poisoned"].rejected) == (20, 9)
    assert outcomes["C later"].fetched == 10
    db.session.rollback()
    assert db.session.get(ChannelAccount, broken.id).status == "error"
    run_jobs()
    assert FailedJobRegistry(queue=get_queue(INGEST_QUEUE)).count == 0
    reasons = {r.reference: r.reason for r in db.session.scalars(select(RejectedMessage).where(RejectedMessage.account_id == poisoned.id))}
    assert sorted(reasons, key=lambda r: int(r.split()[-1])) == [f"first.jsonl line {n}" for n in range(11, 20)]
    assert reasons["first.jsonl line 11"] == "text contains a lone surrogate (not valid Unicode)"
    assert reasons["first.jsonl line 15"] == "line is longer than 1,000,000 bytes"
    tally = Tally({g["external_id"] for g in good}, [poisoned.id, later.id])
    assert report_chaos(tally) == (0, 0)


def test_a_poisoned_queued_batch_stores_the_rest_and_sets_the_bad_one_aside(app, run_jobs, report_chaos):
    """Something invalid that reached the queue anyway (an older release, a hand-made job) costs only itself."""
    from inbox.channels.models import RejectedMessage

    account, _ = get_or_create_account("Queued X", "jsonl", "x")
    good = [message(f"q{i}", f"qc{i}", f"fine message {i}", START + timedelta(minutes=i), author=f"qa{i}") for i in range(5)]
    items = payloads(good)
    bad = dict(items[2], external_id="q-bad", text="bad \ud800")
    worse = dict(items[3], external_id="q-worse", created_at="0001-01-01T00:00:00+00:00")
    enqueue("ingest_batch", account.id, items[:2] + [bad, worse, "not even a dict"] + items[2:])
    run_jobs()
    assert FailedJobRegistry(queue=get_queue(INGEST_QUEUE)).count == 0
    tally = Tally({g["external_id"] for g in good}, [account.id])
    assert report_chaos(tally) == (0, 0)
    reasons = sorted(r.reason for r in db.session.scalars(select(RejectedMessage)))
    assert reasons == ["created_at 0001-01-01 is outside 1970-2100", "queued item is not an object",
                       "text contains a lone surrogate (not valid Unicode)"]
