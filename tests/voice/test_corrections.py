"""Agents' corrections come out of the real database as (text, latest label) pairs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import Sentiment
from inbox.voice.corrections import load_corrections
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Message, SentimentCorrection
from tests.helpers import message

NOW = datetime.now(timezone.utc)


def test_load_corrections_latest_label_wins(app, agent):
    account, _ = get_or_create_account("X", "jsonl", "x")
    records = [
        message("m-1", "c-1", "my refund is three weeks late", NOW - timedelta(minutes=5), author="a-1"),
        message("m-2", "c-2", "what are your opening hours?", NOW - timedelta(minutes=4), author="a-2"),
        message("m-3", "c-3", "thanks, all sorted", NOW - timedelta(minutes=3), author="a-3"),
    ]
    ingest_messages(
        account,
        [message_from_record(r) for r in records],
        [Sentiment("neutral", 0.6, "test-fixture")] * 3,
        timedelta(days=7),
    )
    by_text = {m.text: m for m in db.session.scalars(select(Message))}
    refund, hours = by_text["my refund is three weeks late"], by_text["what are your opening hours?"]
    db.session.add_all([
        SentimentCorrection(message_id=refund.id, label="positive", corrected_by_id=agent.id, created_at=NOW - timedelta(minutes=2)),
        SentimentCorrection(message_id=refund.id, label="negative", corrected_by_id=agent.id, created_at=NOW - timedelta(minutes=1)),
        SentimentCorrection(message_id=hours.id, label="neutral", corrected_by_id=agent.id, created_at=NOW),
    ])
    db.session.commit()

    assert sorted(load_corrections()) == [
        ("my refund is three weeks late", "negative"),
        ("what are your opening hours?", "neutral"),
    ]
