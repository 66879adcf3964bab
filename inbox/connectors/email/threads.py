"""Which conversation an email belongs to.

A reply names what it answers in In-Reply-To and References; the conversation is the key already
given to any of those messages (a customer's earlier mail, or our own reply, whose Message-ID is
its external id). A message that names nothing known falls back to its normalised subject, but
only among the same sender's recent conversations: "Re: Order 42" from someone else never joins.
The rule is pure (`ThreadRule`); `StoredThreads` reads what earlier polls stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from ...extensions import db
from ...tickets.models import ContactIdentity, Ticket
from ..threads import StoredConversations
from .parse import ParsedEmail, has_reply_prefix, normalised_subject

SUBJECT_WINDOW = timedelta(days=30)


class KnownThreads(Protocol):
    def conversation_of(self, message_ids: list[str]) -> str | None:
        """The conversation of the first of these Message-IDs that was stored, in the given order."""

    def conversation_by_subject(self, sender: str, subject: str, since: datetime) -> str | None:
        """The sender's latest conversation since `since` whose normalised subject is `subject`."""

    def reply_headers(self, message_id: str) -> tuple[list[str], str | None]:
        """(References of the stored message, its Reply-To) for answering it."""


@dataclass
class ThreadRule:
    known: KnownThreads
    # messages of the same poll, which earlier polls could not have stored yet
    batch_ids: dict[str, str] = field(default_factory=dict)
    batch_subjects: dict[tuple[str, str], str] = field(default_factory=dict)

    def conversation_for(self, parsed: ParsedEmail, now: datetime) -> str:
        ids = parsed.thread_ids
        conversation = next((self.batch_ids[i] for i in ids if i in self.batch_ids), None)
        if conversation is None and ids:
            conversation = self.known.conversation_of(ids)
        subject = normalised_subject(parsed.subject)
        if conversation is None and len(subject) >= 3 and (ids or has_reply_prefix(parsed.subject)):
            conversation = self.batch_subjects.get((parsed.sender, subject)) or \
                self.known.conversation_by_subject(parsed.sender, subject, now - SUBJECT_WINDOW)
        if conversation is None:
            # a reply to something we never saw still threads with its siblings: the References root
            conversation = parsed.root_id
        self.batch_ids[parsed.message_id] = conversation
        if len(subject) >= 3:
            self.batch_subjects.setdefault((parsed.sender, subject), conversation)
        return conversation


class StoredThreads(StoredConversations):
    """KnownThreads read from the messages and tickets of one account."""

    def conversation_by_subject(self, sender: str, subject: str, since: datetime) -> str | None:
        account_id = self.account_id()
        if account_id is None:
            return None
        rows = db.session.execute(
            select(Ticket.conversation_key, Ticket.subject)
            .join(ContactIdentity, ContactIdentity.contact_id == Ticket.contact_id)
            .where(Ticket.account_id == account_id, ContactIdentity.channel == "email",
                   ContactIdentity.external_id == sender, Ticket.opened_at >= since)
            .order_by(Ticket.id.desc()).limit(50)
        ).all()
        return next((key for key, title in rows if normalised_subject(title or "") == subject), None)

    def reply_headers(self, message_id: str) -> tuple[list[str], str | None]:
        email = self.raw_of(message_id).get("email")
        if not isinstance(email, dict):
            return [], None
        references = [r for r in email.get("references") or [] if isinstance(r, str)]
        reply_to = email.get("reply_to") if isinstance(email.get("reply_to"), str) else None
        return references, reply_to
