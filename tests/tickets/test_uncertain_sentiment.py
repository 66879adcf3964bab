"""A label the model is unsure of (probability under inbox.sentiment.UNCERTAIN_BELOW) never raises a
ticket's priority, and the ticket page says "uncertain" instead of showing a confident colour."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import UNCERTAIN_BELOW, Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Ticket
from tests.helpers import message

AT = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def _ticket(conv: str, sentiment: Sentiment) -> Ticket:
    account, _ = get_or_create_account("X", "jsonl", "x")
    record = message(f"m-{conv}", conv, "well that went great", AT, author=f"a-{conv}", kind="dm")
    ingest_messages(account, [message_from_record(record)], [sentiment], timedelta(days=7))
    return db.session.scalars(select(Ticket).where(Ticket.conversation_key == conv)).one()


def test_an_unsure_negative_counts_as_neutral_and_shows_as_uncertain(logged_in):
    unsure = _ticket("unsure", Sentiment("negative", UNCERTAIN_BELOW - 0.06, "test-fixture"))
    sure = _ticket("sure", Sentiment("negative", 0.93, "test-fixture"))
    assert (unsure.priority, sure.priority) == ("normal", "high")
    assert unsure.messages[0].sentiment_label == "negative"  # stored as the model said, for exports and training
    page = logged_in.get(f"/tickets/{unsure.id}").data.decode()
    assert "sentiment-uncertain" in page and "sentiment-negative" not in page
    assert "sentiment-negative" in logged_in.get(f"/tickets/{sure.id}").data.decode()
