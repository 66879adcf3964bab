"""Turning a batch of normalised messages into contacts, tickets and message rows.

One transaction per batch, exactly-once in effect with any number of workers:
- the batch first locks what it is about to decide on — its conversations and its authors'
  identities (PostgreSQL: transaction advisory locks taken in one sorted order, so two batches
  never deadlock on them; SQLite: BEGIN IMMEDIATE, the database's one writer lock) — and only then
  reads which messages are already stored and which ticket each conversation has;
- a partial unique index allows one open ticket per account and conversation, so even a writer
  that skipped the lock cannot open a second one;
- message counts are recounted from the message rows, never incremented in memory.
A batch ingested twice, or retried after a crash or a conflict, changes nothing the second time.
"""
from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import bindparam, func, insert, inspect, select, text, update
from sqlalchemy.orm import selectinload

from ..channels.models import ChannelAccount
from ..connectors.base import InboundMessage
from ..extensions import db
from ..sentiment import Sentiment
from ..timeutil import utcnow
from .attachments import split_attachments
from .events import EventType
from .hooks import defer_flushed, note_change, send_flushed
from .identities import link_proven, proven_email
from .ingest_rows import NewContact, NewIdentity, NewTicket, update_changed, write_new
from .models import Contact, ContactIdentity, Message, Ticket, TicketEvent
from .rules.placement import Placement, TicketSnapshot, place_message
from .rules.engagement import next_engagement
from .rules.priority import initial_priority, raise_priority
from .rules.snippet import triage_line
from .rules.status import Change, history_entry, next_status
from .signals import announce, message_received, status_changed, ticket_created
from .sla import daily
from .sla.models import SlaOutcome
from .sla.outcomes import record_missed_deadlines, refresh_new
from .sla.policies import PolicyBook, apply_priority_policy

log = logging.getLogger(__name__)

PUBLIC_KINDS = ("mention", "reply")
_CHUNK = 500


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    tickets_created: list[int] = field(default_factory=list)
    tickets_updated: list[int] = field(default_factory=list)

    @property
    def changed_ticket_ids(self) -> list[int]:
        return sorted(set(self.tickets_created) | set(self.tickets_updated))


def subject_of(message: InboundMessage) -> str:
    """An email's subject when it has one, else the first line that says something (not "Hello,", a quote or a
    signature; tickets.rules.snippet), else the first non-empty line."""
    subject = (message.raw or {}).get("subject") if isinstance(message.raw, dict) else None
    if isinstance(subject, str) and subject.strip():
        return subject.strip()[:200]
    first = triage_line(message.text) or next((line.strip() for line in message.text.splitlines() if line.strip()), "")
    return first[:200]


def lock_key(*parts: object) -> int:
    """A stable signed 64-bit key for pg_advisory_xact_lock."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_batch(account: ChannelAccount, messages: Sequence[InboundMessage]) -> None:
    """Start the batch's transaction holding the locks its decisions depend on (see module doc)."""
    db.session.rollback()  # the locks must come first in a fresh transaction (SQLite: before any read)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("BEGIN IMMEDIATE"))
        return
    keys = {lock_key("conversation", account.id, m.conversation) for m in messages}
    keys |= {lock_key("identity", account.channel, m.author.external_id) for m in messages if m.direction == "inbound"}
    if keys:
        db.session.execute(
            text("SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS s"),
            {"keys": sorted(keys)},
        )


@dataclass
class PendingEvent:
    """A ticket event the batch writes in bulk; the SLA writer replays it before it is a row."""

    ticket: Ticket | NewTicket
    type: str
    at: datetime
    data: dict[str, Any] | None
    actor_id: int | None = None


@dataclass
class PendingMessage:
    """A message row the batch writes in bulk once its ticket and identity have ids."""

    values: dict[str, Any]
    ticket: Ticket | NewTicket | None
    identity: ContactIdentity | NewIdentity | None


AnyTicket = Ticket | NewTicket
AnyIdentity = ContactIdentity | NewIdentity


class _Batch:
    def __init__(self, account: ChannelAccount, reopen_window: timedelta, proofs: bool = False) -> None:
        self.account = account
        self.reopen_window = reopen_window
        # records that prove two identities are one person (identities.link_proven) need the session's
        # view of the batch's new identities: such a batch creates them through the ORM
        self.proofs = proofs
        self.policies = PolicyBook()
        self.identities: dict[str, AnyIdentity] = {}
        self.latest: dict[str, AnyTicket | None] = {}
        # messages of a conversation that have no ticket yet (the brand's own posts): rows already stored, or this batch's
        self.unattached: dict[str, list[Message | PendingMessage]] = defaultdict(list)
        self.created: list[NewTicket] = []
        self.new_contacts: list[NewContact] = []
        self.new_identities: list[NewIdentity] = []
        self.touched: dict[int, AnyTicket] = {}
        self.messages: list[PendingMessage] = []
        # with attachments (their file rows need the message's id): ORM rows, added once their ticket has an id
        self.orm_messages: list[tuple[Message, AnyTicket | None, AnyIdentity | None]] = []
        self.events: dict[int, list[PendingEvent]] = defaultdict(list)
        self.attached_earlier: list[tuple[Message, AnyTicket]] = []
        self.result = IngestResult()

    # -- everything the batch decides on, read once under the lock --------------------------------

    def prefetch(self, messages: Sequence[InboundMessage]) -> None:
        account = self.account
        authors = sorted({m.author.external_id for m in messages if m.direction == "inbound"})
        for start in range(0, len(authors), _CHUNK):
            for identity in db.session.scalars(
                select(ContactIdentity).options(selectinload(ContactIdentity.contact)).where(
                    ContactIdentity.channel == account.channel,
                    ContactIdentity.external_id.in_(authors[start:start + _CHUNK]),
                )
            ):
                self.identities[identity.external_id] = identity
        conversations = sorted({m.conversation for m in messages})
        for start in range(0, len(conversations), _CHUNK):
            chunk = conversations[start:start + _CHUNK]
            newest = (
                select(func.max(Ticket.id))
                .where(Ticket.account_id == account.id, Ticket.conversation_key.in_(chunk))
                .group_by(Ticket.conversation_key)
            )
            for ticket in db.session.scalars(
                select(Ticket).options(selectinload(Ticket.events), selectinload(Ticket.sla_policy), selectinload(Ticket.sla_outcome))
                .where(Ticket.id.in_(newest))
            ):
                self.latest[ticket.conversation_key] = ticket
            # the brand's own earlier posts that opened no ticket: context for the one that opens now
            for message in db.session.scalars(
                select(Message).where(
                    Message.account_id == account.id, Message.conversation_key.in_(chunk), Message.ticket_id.is_(None)
                ).order_by(Message.id)
            ):
                self.unattached[message.conversation_key].append(message)

    def event(self, ticket: AnyTicket, type_: str, at: datetime, data: dict[str, Any] | None, actor_id: int | None = None) -> None:
        self.events[id(ticket)].append(PendingEvent(ticket, type_, at, data, actor_id))

    # -- contacts ------------------------------------------------------------------------------

    def identity_for(self, message: InboundMessage) -> AnyIdentity:
        author = message.author
        identity = self.identities.get(author.external_id)
        fresh: Contact | None = None
        if identity is None and not self.proofs:
            contact = NewContact(author.name, utcnow())
            identity = NewIdentity(contact, self.account.channel, author.external_id, author.handle, author.name,
                                   author.followers, message.created_at)
            self.new_contacts.append(contact)
            self.new_identities.append(identity)
            self.identities[author.external_id] = identity
            return identity
        if identity is None:
            contact = fresh = Contact(display_name=author.name)
            identity = ContactIdentity(
                contact=contact,
                channel=self.account.channel,
                external_id=author.external_id,
                handle=author.handle,
                name=author.name,
                followers=author.followers,
                updated_at=message.created_at,
            )
            db.session.add_all([contact, identity])
            self.identities[author.external_id] = identity
        elif message.created_at >= identity.updated_at:
            # the newest message tells the customer's current handle; an older one replayed later does not
            if (identity.handle, identity.name) != (author.handle, author.name):
                identity.handle, identity.name = author.handle, author.name
            if author.followers is not None and identity.followers != author.followers:
                identity.followers = author.followers
            identity.updated_at = message.created_at
        if self.proofs:
            assert not isinstance(identity, NewIdentity)
            link_proven(identity, fresh, self.account.channel, message)
        return identity

    # -- tickets -------------------------------------------------------------------------------

    def open_ticket(self, message: InboundMessage, identity: AnyIdentity, sentiment: Sentiment | None) -> NewTicket:
        priority = initial_priority(
            sentiment.for_priority if sentiment else None, identity.followers, public=message.kind in PUBLIC_KINDS
        )
        policy = self.policies.policy_for(self.account.channel, priority)
        now = utcnow()
        ticket = NewTicket(
            identity.contact,
            policy,
            account_id=self.account.id,
            channel=self.account.channel,
            conversation_key=message.conversation,
            kind=message.kind,
            status="new",
            priority=priority,
            subject=subject_of(message),
            opened_at=message.created_at,
            last_customer_message_at=message.created_at,
            message_count=0,
            created_at=now,
            updated_at=now,
        )
        self.event(ticket, EventType.CREATED, message.created_at,
                   {"priority": priority, "sla_policy": policy.id if policy is not None else None})
        for earlier in self.unattached.pop(message.conversation, []):
            self.attach(earlier, ticket)
        self.latest[message.conversation] = ticket
        self.created.append(ticket)
        return ticket

    def attach(self, row: Message | PendingMessage, ticket: AnyTicket) -> None:
        if isinstance(row, PendingMessage):
            row.ticket = ticket
        else:
            self.attached_earlier.append((row, ticket))

    def not_before_last_status(self, ticket: AnyTicket, at: datetime) -> datetime:
        """A message fetched late must not reopen (or un-pend) the ticket before the change it reverses:
        the clocks are replayed in time order."""
        kinds = (EventType.STATUS, EventType.REOPENED, EventType.CREATED)
        changes = [e.at for e in ticket.events if e.type in kinds] + [e.at for e in self.events[id(ticket)] if e.type in kinds]
        return max([at, *changes])

    def change_status(self, ticket: AnyTicket, change: Change, at: datetime) -> None:
        """Through the one transition table (tickets.rules.status), recorded as the batch's own rows."""
        previous = ticket.status
        new = next_status(previous, change)
        if new is None:
            return
        ticket.status = new.value
        if previous == "resolved":
            ticket.resolved_at = None
        entry = history_entry(previous, new, change)
        if entry is not None:
            self.event(ticket, entry[0], self.not_before_last_status(ticket, at), entry[1])

    def reopen(self, ticket: AnyTicket, message: InboundMessage) -> None:
        self.change_status(ticket, Change.CUSTOMER_WROTE, message.created_at)

    def customer_wrote(self, ticket: AnyTicket, message: InboundMessage) -> None:
        ticket.last_customer_message_at = max(ticket.last_customer_message_at or message.created_at, message.created_at)
        self.change_status(ticket, Change.CUSTOMER_WROTE, message.created_at)
        # the SLA clocks are replayed from events (sla.clock): a customer message may start a next-response clock
        self.event(ticket, EventType.CUSTOMER_MESSAGE, message.created_at, {"external_id": message.external_id})

    def brand_wrote(self, ticket: AnyTicket, message: InboundMessage) -> None:
        """A reply sent from the network itself (not through Inbox) still answers the customer."""
        if message.created_at < ticket.opened_at:
            return
        self.event(ticket, EventType.NETWORK_REPLY, message.created_at, {"external_id": message.external_id, "source": "network"})
        self.change_status(ticket, Change.ANSWERED, message.created_at)

    def add(self, message: InboundMessage, sentiment: Sentiment | None) -> None:
        inbound = message.direction == "inbound"
        identity = self.identity_for(message) if inbound else None
        latest = self.latest.get(message.conversation)
        snapshot = None if latest is None else TicketSnapshot(latest.status, latest.resolved_at)
        placement = place_message(snapshot, message.created_at, inbound, self.reopen_window)

        ticket: AnyTicket | None = latest
        if placement is Placement.NEW:
            ticket = self.open_ticket(message, identity, sentiment) if identity is not None else None
        elif placement is Placement.REOPEN:
            assert ticket is not None
            self.reopen(ticket, message)

        raw, files = split_attachments(message.raw)
        values: dict[str, Any] = dict(
            account_id=self.account.id,
            conversation_key=message.conversation,
            external_id=message.external_id,
            direction=message.direction,
            kind=message.kind,
            author_handle=message.author.handle,
            author_name=message.author.name,
            text=message.text,
            sent_at=message.created_at,
            received_at=utcnow(),
            in_reply_to=message.in_reply_to,
            url=message.url,
            lang=message.lang,
            raw=raw or None,
            sentiment_label=sentiment.label if sentiment is not None else None,
            sentiment_score=sentiment.score if sentiment is not None else None,
            sentiment_model=sentiment.model if sentiment is not None else None,
            engagement=sentiment.kind if sentiment is not None else None,
            engagement_score=sentiment.kind_score if sentiment is not None else None,
        )
        row: Message | PendingMessage
        if files:
            row = Message(**values)
            for file in files:
                file.message = row
            self.orm_messages.append((row, ticket, identity))
        else:
            row = PendingMessage(values, ticket, identity)
            self.messages.append(row)
        self.result.stored += 1
        if ticket is None:
            self.unattached[message.conversation].append(row)
            return

        self.touched[id(ticket)] = ticket
        if inbound:
            if placement is not Placement.NEW:
                self.customer_wrote(ticket, message)
            if sentiment is not None:
                ticket.first_sentiment = ticket.first_sentiment or sentiment.label
                ticket.last_sentiment = sentiment.label
                ticket.engagement = next_engagement(ticket.engagement, bool(ticket.engagement_by_agent), sentiment.kind)
                proposed = initial_priority(sentiment.for_priority, identity.followers if identity else None, message.kind in PUBLIC_KINDS)
                raised = raise_priority(ticket.priority, proposed)
                if raised != ticket.priority:
                    ticket.priority = raised
                    apply_priority_policy(ticket, raised, message.created_at, book=self.policies, reason="raised by sentiment or reach",
                                          record=lambda type_, at, data, actor_id, t=ticket: self.event(t, type_, at, data, actor_id))
        else:
            self.brand_wrote(ticket, message)

    def finish(self) -> None:
        """Write the batch. First one flush of what the ORM holds: the known tickets the batch changed (the SLA
        writer, sla.outcomes, replays each with the history rows announced by `expect`), identities renamed,
        contacts linked by proof. Then the batch's new contacts, identities and tickets (their SLA columns and
        outcome rows computed by the same writer) as one multi-row INSERT per table (ingest_rows), the message
        and history rows likewise; each known ticket's counter moved by what the batch added (an atomic
        increment, so it commutes with a reply an agent sends at the same moment), a new ticket's counter
        written with it; and the search documents once. What the flush hooks would have noted for rows they
        never saw is told to them here: tickets created, rows that signal (announce), late clocks."""
        session = db.session
        defer_flushed(session)
        known = [t for t in self.touched.values() if isinstance(t, Ticket)]
        connection = session.connection()
        with session.no_autoflush:  # the known tickets' changes go out as the UPDATEs below, not in a flush
            refresh_new(session, [(t, self.events.get(id(t), ())) for t in known], self.policies)
            update_changed(connection, Ticket.__table__, known, session, also={"updated_at": utcnow()})
            known_outcomes = [t.sla_outcome for t in known if t.sla_outcome is not None]
            daily.note_days(session, known_outcomes)  # before update_changed expires what changed
            update_changed(connection, SlaOutcome.__table__, known_outcomes, session)
            # a newer message's time and follower count; a new handle or contact stays with the flush, whose hooks
            # refresh the search documents of that contact's other tickets
            update_changed(connection, ContactIdentity.__table__, [i for i in self.identities.values()
                                                                  if isinstance(i, ContactIdentity) and not _renamed(i)], session)
        session.flush()  # what else the ORM holds: identities renamed, contacts linked by proof, a first outcome row
        added: dict[int, int] = defaultdict(int)  # messages the batch put on each ticket, by id(ticket)
        tickets_of: dict[int, AnyTicket] = {}
        for ticket in [m.ticket for m in self.messages] + [t for _, t, _ in self.orm_messages] + [t for _, t in self.attached_earlier]:
            if ticket is not None:
                added[id(ticket)] += 1
                tickets_of[id(ticket)] = ticket
        for ticket in self.created:
            ticket.message_count = added.pop(id(ticket), 0)
        refresh_new(session, [(t, self.events.get(id(t), ())) for t in self.created], self.policies)
        daily.note_days(session, [t.sla_outcome for t in self.created if t.sla_outcome is not None])
        write_new(connection, self.new_contacts, self.new_identities, self.created)
        created = {t.id for t in self.created}
        for ticket_id in sorted(created):
            note_change(session, ticket_id, "created")
        record_missed_deadlines(session)
        for row, ticket, identity in self.orm_messages:
            row.ticket_id = ticket.id if ticket is not None else None
            row.identity_id = identity.id if identity is not None else None
            session.add(row)
        for row, ticket in self.attached_earlier:
            row.ticket_id = ticket.id
        if self.orm_messages or self.attached_earlier:
            session.flush()
        rows = [{**m.values, "ticket_id": m.ticket.id if m.ticket is not None else None,
                 "identity_id": m.identity.id if m.identity is not None else None} for m in self.messages]
        if rows:
            connection.execute(insert(Message.__table__), rows)
        events = [{"ticket_id": e.ticket.id, "type": e.type, "at": e.at, "data": e.data, "actor_id": e.actor_id}
                  for pending in self.events.values() for e in pending]
        if events:
            connection.execute(insert(TicketEvent.__table__), events)
        if added:
            tickets = Ticket.__table__
            connection.execute(
                update(tickets).where(tickets.c.id == bindparam("tid")).values(message_count=tickets.c.message_count + bindparam("n")),
                sorted(({"tid": tickets_of[key].id, "n": n} for key, n in added.items()), key=lambda r: r["tid"]),
            )
        self.announce(events, created)
        for ticket in self.touched.values():
            if isinstance(ticket, Ticket):
                session.expire(ticket, ["message_count", "events", "messages"])
                note_change(session, ticket.id, "message")
        ids = sorted({t.id for t in self.touched.values()})
        send_flushed(session, ids)
        self.result.tickets_created = sorted(created)
        self.result.tickets_updated = [i for i in ids if i not in created]

    def announce(self, events: list[dict[str, Any]], created: set[int]) -> None:
        """Rows written in bulk pass no flush hook: say what happened (tickets.signals), sent after the commit."""
        for row in events:
            if row["type"] == EventType.CREATED:
                announce(db.session, ticket_created, row["ticket_id"], {}, row["at"])
            elif row["type"] in (EventType.STATUS, EventType.REOPENED):
                data = row["data"] or {}
                change = {"from": data.get("from", "resolved"), "to": data.get("to", "open"), "actor_id": None, "by": "customer"}
                announce(db.session, status_changed, row["ticket_id"], change, row["at"])
        for message in self.messages:
            values = message.values
            if values["direction"] == "inbound" and message.ticket is not None:
                announce(db.session, message_received, message.ticket.id,
                         {"account_id": values["account_id"], "external_id": values["external_id"],
                          "new_ticket": message.ticket.id in created}, values["sent_at"])
        for row, _ticket, _identity in self.orm_messages:
            if row.direction == "inbound" and row.ticket_id is not None:
                announce(db.session, message_received, row.ticket_id, {"account_id": row.account_id, "external_id": row.external_id,
                                                                        "new_ticket": row.ticket_id in created}, row.sent_at)


def _renamed(identity: ContactIdentity) -> bool:
    state = inspect(identity)
    return any(state.attrs[name].history.has_changes() for name in ("handle", "contact_id", "contact"))


def known_external_ids(account_id: int, external_ids: Sequence[str]) -> set[str]:
    known: set[str] = set()
    ids = sorted(set(external_ids))
    for start in range(0, len(ids), _CHUNK):
        known.update(db.session.scalars(
            select(Message.external_id).where(Message.account_id == account_id, Message.external_id.in_(ids[start:start + _CHUNK]))
        ))
    return known


def ingest_messages(
    account: ChannelAccount,
    messages: Sequence[InboundMessage],
    sentiments: Sequence[Sentiment | None],
    reopen_window: timedelta,
) -> IngestResult:
    """Store a batch in one transaction. `sentiments[i]` belongs to `messages[i]` (None for our own posts).

    Raises what the database raises; the caller decides whether a conflict is retried (the whole
    batch again: it converges) or a failing message is set aside.
    """
    if len(messages) != len(sentiments):
        raise ValueError("one sentiment per message")
    account_id = account.id
    try:
        lock_batch(account, messages)
        account = db.session.get(ChannelAccount, account_id)  # read again inside the locked transaction
        proofs = any(proven_email(account.channel, m) is not None for m in messages if m.direction == "inbound")
        batch = _Batch(account, reopen_window, proofs)
        existing = known_external_ids(account_id, [m.external_id for m in messages])
        fresh: dict[str, tuple[InboundMessage, Sentiment | None]] = {}
        for message, sentiment in zip(messages, sentiments):
            if message.external_id in existing or message.external_id in fresh:
                batch.result.duplicates += 1
            else:
                fresh[message.external_id] = (message, sentiment)
        ordered = sorted(fresh.values(), key=lambda pair: (pair[0].created_at, pair[0].external_id))
        with db.session.no_autoflush:
            batch.prefetch([m for m, _ in ordered])
            for message, sentiment in ordered:
                batch.add(message, sentiment)
        batch.finish()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return batch.result
