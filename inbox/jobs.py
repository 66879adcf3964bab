"""RQ job functions. They take ids and plain data, and let exceptions propagate so RQ retries."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Iterator

from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from .channels import ChannelAccount
from .connectors.base import InboundMessage
from .extensions import db

log = logging.getLogger(__name__)

_app: Flask | None = None


@contextmanager
def job_context() -> Iterator[Flask]:
    """The worker pushes an app context for its lifetime; a bare RQ worker gets one created once."""
    global _app
    if has_app_context():
        yield current_app._get_current_object()  # type: ignore[attr-defined]
        return
    if _app is None:
        from . import create_app

        _app = create_app()
    with _app.app_context():
        yield _app


def decode_batch(payloads: list[dict[str, Any]]) -> list[InboundMessage]:
    messages = []
    for item in payloads:
        try:
            messages.append(InboundMessage.from_payload(item))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            ident = item.get("external_id") if isinstance(item, dict) else None
            log.warning("skipping malformed queued message %r: %s", ident, exc)
    return messages


def ingest_batch(account_id: int, payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """Classify a fetched batch in one model call, then store it in one transaction."""
    from .sentiment import classify
    from .tickets.ingest import ingest_messages
    from .tickets.models import Message

    with job_context() as app:
        account = db.session.get(ChannelAccount, account_id)
        if account is None:
            raise LookupError(f"channel account {account_id} no longer exists")
        messages = decode_batch(payloads)
        known = set(
            db.session.scalars(
                select(Message.external_id).where(
                    Message.account_id == account_id, Message.external_id.in_([m.external_id for m in messages])
                )
            )
        )
        fresh = [m for m in messages if m.external_id not in known]
        inbound = [i for i, m in enumerate(fresh) if m.direction == "inbound"]
        labels = classify([fresh[i].text for i in inbound]) if inbound else []
        sentiments: list[Any] = [None] * len(fresh)
        for i, sentiment in zip(inbound, labels):
            sentiments[i] = sentiment
        result = ingest_messages(account, fresh, sentiments, timedelta(days=app.config["REOPEN_WINDOW_DAYS"]))
        result.duplicates += len(messages) - len(fresh)
        log.info(
            "account %s: stored %d, duplicates %d, tickets created %d, updated %d",
            account.name, result.stored, result.duplicates, len(result.tickets_created), len(result.tickets_updated),
        )
        return {
            "stored": result.stored,
            "duplicates": result.duplicates,
            "tickets_created": result.tickets_created,
            "tickets_updated": result.tickets_updated,
        }
