from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any, Iterator

import pytest
from redis import Redis

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.live import TICKET_CHANNEL
from inbox.redis_client import pubsub_channel
from inbox.sentiment import Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Ticket
from tests.helpers import ago, message


def ingest(conversation: str, text: str, external_id: str, **kwargs: Any) -> Ticket:
    """A customer message stored through the real ingest service (as the worker does)."""
    account, _ = get_or_create_account("X", "jsonl", "x")
    record = message(external_id, conversation, text, ago(minutes=10), **kwargs)
    ingest_messages(account, [message_from_record(record)], [Sentiment("negative", 0.9, "test-fixture")], timedelta(days=7))
    return db.session.query(Ticket).filter_by(conversation_key=conversation).one()


@pytest.fixture
def ticket(app) -> Ticket:
    return ingest("c1", "<script>alert(1)</script> my bill is wrong", "1", author="mallory")


class Listener:
    """A real subscriber on the ticket channel."""

    def __init__(self, url: str) -> None:
        self.client = Redis.from_url(url)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.channel = pubsub_channel(self.client, TICKET_CHANNEL)
        self.pubsub.subscribe(self.channel)
        # wait for the subscription to be active before anything is published
        deadline = time.monotonic() + 5
        while self.client.pubsub_numsub(self.channel)[0][1] < 1 and time.monotonic() < deadline:
            time.sleep(0.01)

    def messages(self, wait: float = 1.0) -> list[dict[str, Any]]:
        """Everything published until nothing more arrives for `wait` seconds."""
        found = []
        quiet_until = time.monotonic() + wait
        while time.monotonic() < quiet_until:
            # None also stands for a subscribe confirmation (ignored), so only the clock ends this
            item = self.pubsub.get_message(timeout=max(0.0, quiet_until - time.monotonic()))
            if item is not None and item["type"] == "message":
                found.append(json.loads(item["data"]))
                quiet_until = time.monotonic() + min(wait, 0.3)
        return found

    def close(self) -> None:
        self.pubsub.close()
        self.client.close()


@pytest.fixture
def listener(app, redis_url: str) -> Iterator[Listener]:
    listening = Listener(redis_url)
    yield listening
    listening.close()
