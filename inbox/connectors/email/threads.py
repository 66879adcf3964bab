"""Which conversation an email belongs to, and the headers that answer it.

A reply names what it answers in In-Reply-To and References; the conversation is the key already
given to any of those messages (a customer's earlier mail, or our own reply, whose Message-ID is
its external id). A message that names nothing known falls back to its normalised subject, but
only among the same sender's recent conversations: "Re: Order 42" from someone else never joins.
The rule is pure (`ThreadRule`); what earlier polls stored comes through the `Conversations`
protocol (`inbox.connectors.base`), handed in by whoever reads the mail.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..base import Conversations
from .parse import ParsedEmail, has_reply_prefix, normalised_subject

SUBJECT_WINDOW = timedelta(days=30)


@dataclass
class ThreadRule:
    known: Conversations
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
                self._by_subject(parsed.sender, subject, now - SUBJECT_WINDOW)
        if conversation is None:
            # a reply to something we never saw still threads with its siblings: the References root
            conversation = parsed.root_id
        self.batch_ids[parsed.message_id] = conversation
        if len(subject) >= 3:
            self.batch_subjects.setdefault((parsed.sender, subject), conversation)
        return conversation

    def _by_subject(self, sender: str, subject: str, since: datetime) -> str | None:
        """The sender's latest conversation since `since` whose normalised title is `subject`."""
        return next((key for key, title in self.known.customer_conversations(sender, since)
                     if normalised_subject(title) == subject), None)


def reply_headers(known: Conversations, message_id: str) -> tuple[list[str], str | None]:
    """(References of the stored message `message_id`, its Reply-To address) for answering it."""
    email = known.raw_of(message_id).get("email")
    if not isinstance(email, dict):
        return [], None
    references = [r for r in email.get("references") or [] if isinstance(r, str)]
    reply_to = email.get("reply_to") if isinstance(email.get("reply_to"), str) else None
    return references, reply_to
