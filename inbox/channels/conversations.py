"""Conversations already stored for one channel account, read from the database for its connector
(the `Conversations` protocol of `inbox.connectors.base`).

Connectors whose networks give no thread id of their own (email, Mastodon, Bluesky replies to our
replies) ask here which conversation a message answers; the lookup is by external id, which is
unique per account, so our own replies count too (their network id is their external id once sent).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import select

from ..extensions import db
from ..tickets.models import ContactIdentity, Message, Ticket
from .models import ChannelAccount

# an email names at most this many Message-IDs worth looking up (References can be long)
MAX_LOOKUP_IDS = 100
MAX_CUSTOMER_CONVERSATIONS = 50


class StoredConversations:
    """What earlier polls and replies stored for `account`."""

    def __init__(self, account: ChannelAccount) -> None:
        self.account_id = account.id
        self.channel = account.channel

    def conversation_of(self, external_ids: Sequence[str]) -> str | None:
        wanted = list(external_ids)[:MAX_LOOKUP_IDS]
        if not wanted:
            return None
        rows = dict(db.session.execute(
            select(Message.external_id, Message.conversation_key)
            .where(Message.account_id == self.account_id, Message.external_id.in_(wanted))
        ).all())
        return next((rows[i] for i in wanted if i in rows), None)

    def raw_of(self, external_id: str) -> dict[str, Any]:
        raw = db.session.scalar(select(Message.raw).where(Message.account_id == self.account_id,
                                                          Message.external_id == external_id))
        return raw if isinstance(raw, dict) else {}

    def customer_conversations(self, customer_id: str, since: datetime) -> list[tuple[str, str]]:
        rows = db.session.execute(
            select(Ticket.conversation_key, Ticket.subject)
            .join(ContactIdentity, ContactIdentity.contact_id == Ticket.contact_id)
            .where(Ticket.account_id == self.account_id, ContactIdentity.channel == self.channel,
                   ContactIdentity.external_id == customer_id, Ticket.opened_at >= since)
            .order_by(Ticket.id.desc()).limit(MAX_CUSTOMER_CONVERSATIONS)
        ).all()
        return [(key, title or "") for key, title in rows]
