"""Agents' sentiment corrections from the database, as extra training examples for the sentiment
model (the sentiment package never reads the database itself: this is passed to its train command)."""

from __future__ import annotations

from ..extensions import db
from ..tickets.models import Message, SentimentCorrection


def load_corrections() -> list[tuple[str, str]]:
    """``(message text, corrected label)`` for every corrected message.

    When a message was corrected more than once, the latest correction wins (as it does in
    ``Message.effective_sentiment``). Oldest correction first, so that the trainer's deduplication
    by text keeps the latest label.
    """
    rows = db.session.execute(
        db.select(SentimentCorrection.message_id, SentimentCorrection.label, Message.text)
        .join(Message, Message.id == SentimentCorrection.message_id)
        .order_by(SentimentCorrection.created_at, SentimentCorrection.id)
    ).all()
    latest: dict[int, tuple[str, str]] = {}
    for message_id, label, text in rows:
        latest.pop(message_id, None)  # re-inserted: the order follows each message's latest correction
        latest[message_id] = (text or "", label)
    return list(latest.values())
