"""Helpers for the workspace tests: tickets through the real ingest path, users of each role, signing in."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from inbox.auth.models import User
from inbox.auth.users import create_user
from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Ticket
from tests.helpers import csrf_token, message

PASSWORD = "correct horse battery"


def open_ticket(conv: str, text: str = "my parcel never arrived", *, minutes_ago: float = 30, channel: str = "x",
                author: str | None = None, name: str | None = None, label: str = "negative") -> Ticket:
    account, _ = get_or_create_account(channel.upper(), "jsonl", channel)
    at = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    record = message(f"m-{conv}", conv, text, at, author=author or f"a-{conv}")
    if name is not None:
        record["author"]["name"] = name
    ingest_messages(account, [message_from_record(record)], [Sentiment(label, 0.9, "test-fixture")], timedelta(days=7))
    return db.session.scalars(select(Ticket).where(Ticket.conversation_key == conv)).one()


def sending_account(folder, channel: str = "x"):
    """The account open_ticket uses, able to reply: a JSONL import with an outbox file (a receive-only one
    shows "Answered outside Inbox" instead of the reply composer)."""
    account, _ = get_or_create_account(channel.upper(), "jsonl", channel, {"outbox": str(folder / "outbox.jsonl")})
    return account


def user(role: str, name: str | None = None) -> User:
    return create_user(f"{(name or role).lower().replace(' ', '.')}@example.com", name or f"{role.title()} User", role, PASSWORD)[0]


def login(client, email: str):
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.data[:300]
    return client


def token(client) -> str:
    return csrf_token(client.get("/notifications"))
