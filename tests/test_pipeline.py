"""End to end: a JSONL file → poll → RQ → worker (burst) → tickets with sentiment and due times."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from sqlalchemy import func, select

from inbox.channels import get_or_create_account
from inbox.channels.health import account_health
from inbox.extensions import db
from inbox.channels.poller import poll_once
from inbox.tickets.models import Message, Ticket, TicketEvent
from inbox.timeutil import utcnow
from tests.helpers import ago, message, write_jsonl


def _counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Ticket)),
        db.session.scalar(select(func.count()).select_from(Message)),
        db.session.scalar(select(func.count()).select_from(TicketEvent)),
    )


def test_jsonl_to_tickets_with_sentiment_and_due_times(app, tmp_path, run_jobs):
    t0 = ago(minutes=30)
    social = write_jsonl(tmp_path / "x" / "mentions.jsonl", [
        message("1", "c1", "@brand my internet has been down for two days, this is terrible and nobody helps", t0, author="ann"),
        message("2", "c1", "@brand still nothing. furious.", t0 + timedelta(minutes=5), author="ann", kind="reply", in_reply_to="1"),
        message("3", "c2", "Thank you so much, the new router is fantastic!", t0 + timedelta(minutes=1), author="bob"),
        message("4", "c3", "昨日から電話がつながりません。本当に困っています。", t0 + timedelta(minutes=2), author="ken", lang="ja"),
    ])
    sms = write_jsonl(tmp_path / "sms" / "inbound.jsonl", [
        message("s1", "+4915100000", "When does my contract end?", t0, author="+4915100000", kind="sms", followers=None),
    ])
    x_account, _ = get_or_create_account("Brand X", "jsonl", "x", {"path": str(social.parent)})
    sms_account, _ = get_or_create_account("Brand SMS", "jsonl", "sms", {"path": str(sms)})

    outcomes = poll_once()
    assert {o.account: o.fetched for o in outcomes} == {"Brand X": 4, "Brand SMS": 1}
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0  # queued, not yet ingested
    run_jobs()

    tickets = {t.conversation_key: t for t in db.session.scalars(select(Ticket))}
    assert set(tickets) == {"c1", "c2", "c3", "+4915100000"}
    angry = tickets["c1"]
    assert angry.message_count == 2
    assert angry.first_sentiment == "negative"
    assert angry.priority in ("high", "urgent")
    assert tickets["c2"].first_sentiment == "positive"
    assert tickets["c3"].first_sentiment == "negative"  # Japanese complaint
    # channel-specific targets: social 4 h, SMS 2 h
    assert angry.first_response_due_at == t0.replace(microsecond=t0.microsecond) + timedelta(hours=4)
    sms_ticket = tickets["+4915100000"]
    assert sms_ticket.first_response_due_at == t0 + timedelta(hours=2)
    assert sms_ticket.resolution_due_at is not None
    for row in db.session.scalars(select(Message)):
        assert row.sentiment_label in ("negative", "neutral", "positive")
        assert 0.0 < row.sentiment_score <= 1.0
        assert row.sentiment_model

    # nothing new: a second poll queues nothing, and the cursor has moved
    assert all(o.fetched == 0 for o in poll_once())


def test_same_batch_twice_changes_nothing(app, tmp_path, run_jobs):
    from inbox.connectors.jsonl import read_messages
    from inbox.jobqueue import enqueue

    path = write_jsonl(tmp_path / "a.jsonl", [
        message(str(i), f"conv{i % 3}", f"message number {i}", ago(minutes=60 - i), author=f"user{i % 3}") for i in range(9)
    ])
    account, _ = get_or_create_account("Replay", "jsonl", "x", {"path": str(path)})
    payload = [p.message.to_payload() for p in read_messages(path)]
    enqueue("ingest_batch", account.id, payload)
    run_jobs()
    first = _counts()
    enqueue("ingest_batch", account.id, payload)
    enqueue("ingest_batch", account.id, payload[3:6])
    run_jobs()
    assert _counts() == first == (3, 9, 9)  # per ticket: created + two customer_message events


def test_crash_between_fetch_and_enqueue_loses_nothing(app, tmp_path, run_jobs, monkeypatch):
    import inbox.channels.poller as poller

    path = write_jsonl(tmp_path / "a.jsonl", [message("m1", "c", "hello there", ago(minutes=3))])
    account, _ = get_or_create_account("Crashy", "jsonl", "x", {"path": str(path)})

    def broken_enqueue(*_args, **_kwargs):
        from redis.exceptions import ConnectionError as RedisConnectionError

        raise RedisConnectionError("redis went away")

    monkeypatch.setattr(poller, "enqueue", broken_enqueue)
    with pytest.raises(poller.QueueUnavailable):
        poll_once()
    db.session.refresh(account)
    assert account.cursor is None  # the cursor did not move past unqueued messages
    monkeypatch.undo()
    assert [o.fetched for o in poll_once()] == [1]
    run_jobs()
    assert _counts()[1] == 1


def test_malformed_lines_are_skipped_and_reported(app, tmp_path, run_jobs):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [message("ok1", "c1", "first good line", ago(minutes=5))],
        raw_lines=['{"external_id": "x", "kind": "fax"}', "not json at all", '{"external_id": "ok2"'],
    )
    write_jsonl(path, [message("ok2", "c2", "<script>alert(1)</script> second good line", ago(minutes=4))])
    account, _ = get_or_create_account("Messy", "jsonl", "email", {"path": str(path)})
    (outcome,) = poll_once()
    assert (outcome.fetched, outcome.rejected) == (2, 3)
    run_jobs()
    db.session.refresh(account)
    assert "3 item(s) set aside" in account_health(account, ZoneInfo("UTC"), utcnow()).detail
    texts = sorted(db.session.scalars(select(Message.text)))
    assert texts == ["<script>alert(1)</script> second good line", "first good line"]
