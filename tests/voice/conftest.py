"""Building a week of messages with explicit sentiments (never the model's own labels)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Message
from tests.helpers import message


@pytest.fixture
def post(app):
    """post(account, external_id, when, text, label, score, author=..., kind=..., **record) -> Message"""
    counter = {"n": 0}

    def _post(account_name: str, channel: str, when: datetime, text: str, label: str | None, score: float | None = None,
              *, author: str = "u1", kind: str = "mention", conversation: str | None = None, **extra: Any) -> Message:
        account, _ = get_or_create_account(account_name, "jsonl", channel)
        counter["n"] += 1
        external_id = f"m{counter['n']}"
        record = message(external_id, conversation or external_id, text, when, author=author, kind=kind, **extra)
        sentiment = Sentiment(label, score if score is not None else 0.9, "fixture-model") if label else None
        ingest_messages(account, [message_from_record(record)], [sentiment], timedelta(days=7))
        return db.session.query(Message).filter_by(account_id=account.id, external_id=external_id).one()

    return _post


@pytest.fixture
def lead(app):
    from inbox.auth.users import create_user

    user, _ = create_user("lead@example.com", "Lee Lead", "lead", "correct horse battery")
    return user


@pytest.fixture
def lead_client(client, lead):
    """A team lead signed in through the real login form."""
    from tests.helpers import csrf_token

    page = client.get("/login")
    response = client.post("/login", data={"email": lead.email, "password": "correct horse battery",
                                           "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    return client
