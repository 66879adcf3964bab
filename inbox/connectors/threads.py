"""Conversations already stored for an account: which conversation a message answering one of
them belongs to. Connectors whose networks give no thread id of their own (email, Mastodon,
Bluesky replies to our replies) read it here; the lookup is by external id, which is unique per
account, so our own replies count too (their network id is their external id once sent)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..channels.models import account_by_name
from ..extensions import db
from ..tickets.models import Message


class StoredConversations:
    def __init__(self, account_name: str) -> None:
        self.account_name = account_name
        self._account_id: int | None = None

    def account_id(self) -> int | None:
        if self._account_id is None:
            account = account_by_name(self.account_name)
            self._account_id = account.id if account is not None else None
        return self._account_id

    def conversation_of(self, external_ids: list[str]) -> str | None:
        """The conversation of the first of these ids that is stored, in the given order."""
        account_id = self.account_id()
        if account_id is None or not external_ids:
            return None
        rows = dict(db.session.execute(
            select(Message.external_id, Message.conversation_key)
            .where(Message.account_id == account_id, Message.external_id.in_(external_ids[:100]))
        ).all())
        return next((rows[i] for i in external_ids if i in rows), None)

    def raw_of(self, external_id: str) -> dict[str, Any]:
        """The stored raw payload of one message (what the network sent), or {}."""
        account_id = self.account_id()
        if account_id is None:
            return {}
        raw = db.session.scalar(select(Message.raw).where(Message.account_id == account_id, Message.external_id == external_id))
        return raw if isinstance(raw, dict) else {}
