"""Alerts over the live stream (issue 15 item 3): "assigned to you", "at risk" and "breached" reach only
their recipient's stream, each at-risk deadline is told once however often the sweep runs."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from redis import Redis
from sqlalchemy import select

from inbox.auth.users import create_user
from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.notifications.alerts import NOTIFY_CHANNEL, browser_alerts, for_user, payloads
from inbox.live.stream import ticket_events
from inbox.redis_client import pubsub_channel
from inbox.sentiment import Sentiment
from inbox.tickets.workspace.assignment import assign_ticket
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Ticket
from inbox.notifications.models import Notification
from inbox.tickets.sla.models import SlaWarning
from inbox.tickets.sla.sweep import sweep
from tests.helpers import message

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # first response due 4 h later, at risk from 80 %


def _open(conversation: str) -> Ticket:
    account, _ = get_or_create_account("X", "jsonl", "x")
    ingest_messages(account, [message_from_record(message(f"m-{conversation}", conversation, "help", START, author="a"))],
                    [Sentiment("neutral", 0.9, "test-fixture")], timedelta(days=7))
    return db.session.scalars(select(Ticket).where(Ticket.conversation_key == conversation)).one()


def _listen(redis_url: str):
    redis = Redis.from_url(redis_url)
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(pubsub_channel(redis, NOTIFY_CHANNEL))
    pubsub.get_message(timeout=1)
    return pubsub


def _drain(pubsub, wait: float = 0.5) -> list[dict]:
    got, deadline = [], time.monotonic() + wait
    while time.monotonic() < deadline:
        raw = pubsub.get_message(timeout=0.05)
        if raw and raw.get("type") == "message":
            got.append(json.loads(raw["data"]))
    return got


def test_at_risk_and_breach_are_published_once_per_deadline(app, redis_url):
    agent, _ = create_user("ada@example.com", "Ada", "agent", "correct horse battery")
    ticket = _open("risky")
    ticket.assignee_id = agent.id
    db.session.commit()
    pubsub = _listen(redis_url)
    try:
        assert sweep(START + timedelta(hours=3)).warnings == 0  # 75 %: on track
        assert _drain(pubsub, 0.3) == []
        first = sweep(START + timedelta(hours=3, minutes=20))  # 83 %: at risk
        assert first.warnings == 1
        messages = _drain(pubsub)
        assert [(m["user_id"], m["unread"], [i["kind"] for i in m["items"]]) for m in messages] == [(agent.id, 1, ["sla_at_risk"])]
        assert messages[0]["items"][0]["ticket_id"] == ticket.id
        for minutes in (25, 30, 59):  # the same deadline, swept again: nothing new, nothing published
            assert sweep(START + timedelta(hours=3, minutes=minutes)).warnings == 0
        assert _drain(pubsub, 0.3) == []
        assert db.session.scalar(select(SlaWarning.id).where(SlaWarning.ticket_id == ticket.id)) is not None
        assert len(db.session.scalars(select(Notification).where(Notification.kind == "sla_at_risk")).all()) == 1
        sweep(START + timedelta(hours=4, minutes=1))  # breached: the agent hears of it too
        breach = _drain(pubsub)
        assert [(m["user_id"], m["unread"], [i["kind"] for i in m["items"]]) for m in breach] == [(agent.id, 2, ["sla_breach"])]
        sweep(START + timedelta(hours=4, minutes=2))
        assert _drain(pubsub, 0.3) == []
    finally:
        pubsub.close()


def test_assignment_by_a_lead_notifies_the_assignee_only(app, redis_url):
    agent, _ = create_user("ada@example.com", "Ada", "agent", "correct horse battery")
    lead, _ = create_user("lee@example.com", "Lee", "lead", "correct horse battery")
    ticket = _open("given")
    pubsub = _listen(redis_url)
    try:
        assign_ticket(ticket, lead, lead)  # taking a ticket yourself tells nobody
        assert _drain(pubsub, 0.3) == []
        assign_ticket(ticket, agent, lead)
        [published] = _drain(pubsub)
        assert published["user_id"] == agent.id and published["items"][0]["kind"] == "assigned"
        assert published["items"][0]["text"] == f"Ticket #{ticket.id}: assigned to you by Lee"
    finally:
        pubsub.close()


def test_the_stream_passes_on_only_the_signed_in_users_alerts(app, redis_url):
    redis = Redis.from_url(redis_url)
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(pubsub_channel(redis, NOTIFY_CHANNEL))
    pubsub.get_message(timeout=1)
    for user_id in (7, 8):
        redis.publish(pubsub_channel(redis, NOTIFY_CHANNEL), json.dumps({"user_id": user_id, "unread": user_id, "items": [], "more": 0}))
    redis.publish(pubsub_channel(redis, NOTIFY_CHANNEL), "not json")
    text = "".join(ticket_events(pubsub, lifetime=0.6, heartbeat=10, retry_ms=1000, last_seen=None, current=0, user_id=8))
    assert text.count("event: notification") == 1 and '"unread":8' in text and '"user_id"' not in text


def test_pure_parts():
    assert for_user(b'{"user_id": 3, "unread": 1}', 3) == {"unread": 1}
    assert for_user(b'{"user_id": 3}', 4) is None and for_user(b"[1]", 3) is None and for_user(None, 3) is None
    assert for_user(b"\xff", 3) is None and for_user(b'{"user_id": 3}', None) is None
    rows = [(i, 1, i, "sla_breach", f"t{i}") for i in range(1, 9)] + [(20, 2, None, "assigned", "x")]
    out = payloads(rows, {1: 30, 2: 1})
    assert [(m["user_id"], m["unread"], len(m["items"]), m["more"]) for m in out] == [(1, 30, 5, 3), (2, 1, 1, 0)]
    assert out[0]["items"][0]["id"] == 8  # newest first

    class Person:
        alert_assigned, alert_at_risk, alert_breached = True, False, True

    assert browser_alerts(Person()) == ["assigned", "sla_breach"]
