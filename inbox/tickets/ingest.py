"""Turning a batch of normalised messages into contacts, tickets and message rows.

One transaction per batch. Idempotent on (account, external id): a batch ingested twice, or
retried after a crash, changes nothing the second time.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import select

from ..channels import ChannelAccount
from ..connectors.base import InboundMessage
from ..extensions import db
from ..sentiment import Sentiment
from ..timeutil import utcnow
from .conversations import Placement, TicketSnapshot, place_message
from .models import Contact, ContactIdentity, Message, Ticket, TicketEvent
from .policies import PolicyBook, targets_of
from .priority import initial_priority, raise_priority
from .sla import due_after, due_times

log = logging.getLogger(__name__)

PUBLIC_KINDS = ("mention", "reply")


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    tickets_created: list[int] = field(default_factory=list)
    tickets_updated: list[int] = field(default_factory=list)

    @property
    def changed_ticket_ids(self) -> list[int]:
        return sorted(set(self.tickets_created) | set(self.tickets_updated))


def _subject(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:200]


class _Batch:
    def __init__(self, account: ChannelAccount, reopen_window: timedelta) -> None:
        self.account = account
        self.reopen_window = reopen_window
        self.policies = PolicyBook()
        self.identities: dict[str, ContactIdentity] = {}
        self.latest: dict[str, Ticket | None] = {}
        self.result = IngestResult()

    def identity_for(self, message: InboundMessage) -> ContactIdentity:
        author = message.author
        identity = self.identities.get(author.external_id)
        if identity is None:
            identity = db.session.scalar(
                select(ContactIdentity).where(
                    ContactIdentity.channel == self.account.channel,
                    ContactIdentity.external_id == author.external_id,
                )
            )
        if identity is None:
            contact = Contact(display_name=author.name)
            identity = ContactIdentity(
                contact=contact,
                channel=self.account.channel,
                external_id=author.external_id,
                handle=author.handle,
                name=author.name,
                followers=author.followers,
            )
            db.session.add_all([contact, identity])
        else:
            identity.handle, identity.name = author.handle, author.name
            if author.followers is not None:
                identity.followers = author.followers
            identity.updated_at = utcnow()
        self.identities[author.external_id] = identity
        return identity

    def latest_ticket(self, conversation: str) -> Ticket | None:
        if conversation not in self.latest:
            self.latest[conversation] = db.session.scalar(
                select(Ticket)
                .where(Ticket.account_id == self.account.id, Ticket.conversation_key == conversation)
                .order_by(Ticket.id.desc())
                .limit(1)
            )
        return self.latest[conversation]

    def open_ticket(self, message: InboundMessage, identity: ContactIdentity, sentiment: Sentiment | None) -> Ticket:
        priority = initial_priority(
            sentiment.label if sentiment else None, identity.followers, public=message.kind in PUBLIC_KINDS
        )
        policy = self.policies.policy_for(self.account.channel, priority)
        ticket = Ticket(
            account_id=self.account.id,
            channel=self.account.channel,
            contact=identity.contact,
            conversation_key=message.conversation,
            kind=message.kind,
            status="new",
            priority=priority,
            subject=_subject(message.text),
            opened_at=message.created_at,
            last_customer_message_at=message.created_at,
        )
        if policy is not None:
            due = due_times(message.created_at, targets_of(policy), self.policies.calendar_for(policy))
            ticket.sla_policy = policy
            ticket.first_response_due_at = due.first_response_due_at
            ticket.resolution_due_at = due.resolution_due_at
        ticket.refresh_due()
        db.session.add(ticket)
        db.session.flush()
        db.session.add(TicketEvent(ticket=ticket, type="created", at=message.created_at, data={"priority": priority}))
        # the brand's earlier posts in this conversation give the agent context
        for earlier in db.session.scalars(
            select(Message).where(
                Message.account_id == self.account.id,
                Message.conversation_key == message.conversation,
                Message.ticket_id.is_(None),
            )
        ):
            earlier.ticket = ticket
            ticket.message_count += 1
        self.latest[message.conversation] = ticket
        self.result.tickets_created.append(ticket.id)
        return ticket

    def next_response_due(self, ticket: Ticket, start: datetime) -> datetime | None:
        policy = ticket.sla_policy
        if policy is None:
            return None
        targets = targets_of(policy)
        return due_after(start, targets.next_response, targets, self.policies.calendar_for(policy))

    def reopen(self, ticket: Ticket, message: InboundMessage) -> None:
        ticket.status = "open"
        ticket.resolved_at = None
        ticket.next_response_due_at = self.next_response_due(ticket, message.created_at)
        db.session.add(TicketEvent(ticket=ticket, type="reopened", at=message.created_at, data={"by": "customer"}))

    def customer_wrote(self, ticket: Ticket, message: InboundMessage) -> None:
        ticket.last_customer_message_at = max(ticket.last_customer_message_at or message.created_at, message.created_at)
        if ticket.status == "pending":
            ticket.status = "open"
            db.session.add(TicketEvent(ticket=ticket, type="status", at=message.created_at, data={"from": "pending", "to": "open", "by": "customer"}))
        # the SLA clocks are replayed from events (sla_clock): a customer message may start a next-response clock
        db.session.add(TicketEvent(ticket=ticket, type="customer_message", at=message.created_at, data={"external_id": message.external_id}))
        if ticket.first_response_at is not None and ticket.next_response_due_at is None:
            ticket.next_response_due_at = self.next_response_due(ticket, message.created_at)

    def brand_wrote(self, ticket: Ticket, message: InboundMessage) -> None:
        """A reply sent from the network itself (not through Inbox) still answers the customer."""
        if message.created_at < ticket.opened_at:
            return
        if ticket.first_response_at is None:
            ticket.first_response_at = message.created_at
            db.session.add(TicketEvent(ticket=ticket, type="first_response", at=message.created_at, data={"external_id": message.external_id}))
        else:
            db.session.add(TicketEvent(ticket=ticket, type="reply", at=message.created_at, data={"external_id": message.external_id, "source": "network"}))
        ticket.next_response_due_at = None
        if ticket.status == "new":
            ticket.status = "open"

    def add(self, message: InboundMessage, sentiment: Sentiment | None) -> None:
        inbound = message.direction == "inbound"
        identity = self.identity_for(message) if inbound else None
        latest = self.latest_ticket(message.conversation)
        snapshot = None if latest is None else TicketSnapshot(latest.status, latest.resolved_at)
        placement = place_message(snapshot, message.created_at, inbound, self.reopen_window)

        ticket: Ticket | None = latest
        if placement is Placement.NEW:
            ticket = self.open_ticket(message, identity, sentiment) if inbound else None
        elif placement is Placement.REOPEN:
            assert ticket is not None
            self.reopen(ticket, message)

        row = Message(
            ticket=ticket,
            account_id=self.account.id,
            conversation_key=message.conversation,
            external_id=message.external_id,
            direction=message.direction,
            kind=message.kind,
            identity_id=identity.id if identity is not None and identity.id else None,
            author_handle=message.author.handle,
            author_name=message.author.name,
            text=message.text,
            sent_at=message.created_at,
            in_reply_to=message.in_reply_to,
            url=message.url,
            lang=message.lang,
            raw=message.raw or None,
        )
        if identity is not None and identity.id is None:
            db.session.flush()
            row.identity_id = identity.id
        if sentiment is not None:
            row.sentiment_label, row.sentiment_score, row.sentiment_model = sentiment.label, sentiment.score, sentiment.model
        db.session.add(row)
        self.result.stored += 1
        if ticket is None:
            return

        ticket.message_count += 1
        if inbound:
            if placement is not Placement.NEW:
                self.customer_wrote(ticket, message)
            if sentiment is not None:
                ticket.first_sentiment = ticket.first_sentiment or sentiment.label
                ticket.last_sentiment = sentiment.label
                proposed = initial_priority(sentiment.label, identity.followers if identity else None, message.kind in PUBLIC_KINDS)
                ticket.priority = raise_priority(ticket.priority, proposed)
        else:
            self.brand_wrote(ticket, message)
        ticket.refresh_due()
        if ticket.id not in self.result.tickets_created:
            self.result.tickets_updated.append(ticket.id)


def ingest_messages(
    account: ChannelAccount,
    messages: Sequence[InboundMessage],
    sentiments: Sequence[Sentiment | None],
    reopen_window: timedelta,
) -> IngestResult:
    """Store a batch in one transaction. `sentiments[i]` belongs to `messages[i]` (None for our own posts)."""
    if len(messages) != len(sentiments):
        raise ValueError("one sentiment per message")
    batch = _Batch(account, reopen_window)
    seen: set[str] = set()
    ids = [m.external_id for m in messages]
    existing: set[str] = set()
    for start in range(0, len(ids), 500):
        existing.update(
            db.session.scalars(
                select(Message.external_id).where(Message.account_id == account.id, Message.external_id.in_(ids[start:start + 500]))
            )
        )
    ordered = sorted(zip(messages, sentiments), key=lambda pair: (pair[0].created_at, pair[0].external_id))
    try:
        for message, sentiment in ordered:
            if message.external_id in existing or message.external_id in seen:
                batch.result.duplicates += 1
                continue
            seen.add(message.external_id)
            batch.add(message, sentiment)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return batch.result
