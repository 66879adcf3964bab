"""Contacts, tickets, their messages and events, SLA policies and business calendars."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..sentiment.types import shown_label
from ..timeutil import UtcDateTime, utcnow

TICKET_STATUSES = ("new", "open", "pending", "resolved", "closed")
OPEN_STATUSES = ("new", "open", "pending")
PRIORITIES = ("low", "normal", "high", "urgent")
SENTIMENT_LABELS = ("negative", "neutral", "positive")
# Kinds of engagement (inbox.sentiment.kinds.KINDS): what a message asks of the team.
ENGAGEMENTS = ("question", "complaint", "request", "praise", "feedback", "noise")
_OPEN_SQL = "status IN ('new', 'open', 'pending')"
_CLOSED_SQL = "status IN ('resolved', 'closed')"


# What the inbox list filters on: carried in its indexes (PostgreSQL INCLUDE) so a filtered page is
# found by an index-only scan, without visiting the table row of every ticket it skips.
_LIST_INCLUDE = ["status", "channel", "priority", "last_sentiment", "assignee_id", "sla_warn_at", "contact_id", "opened_at"]


def _where(clause: str) -> dict[str, Any]:
    """A partial list index on both dialects (the same predicate the list queries use, so the planner picks it)."""
    return {"postgresql_where": text(clause), "sqlite_where": text(clause), "postgresql_include": _LIST_INCLUDE}


class Contact(db.Model):
    """One person, across every channel they write on."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # set when their personal data was erased (inbox.privacy); the row stays so tickets keep a contact
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    identities: Mapped[list["ContactIdentity"]] = relationship(back_populates="contact", order_by="ContactIdentity.id")


class ContactIdentity(db.Model):
    """A contact's account on one channel (an X user id, a phone number, an email address)."""

    __tablename__ = "contact_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_identity_channel_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(512))
    handle: Mapped[str] = mapped_column(String(512))
    name: Mapped[str] = mapped_column(String(512))
    followers: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # what a network says besides the name (LINE: picture, language, follow/block state and its notes)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    contact: Mapped[Contact] = relationship(back_populates="identities")


class BusinessCalendar(db.Model):
    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # {"0": [["09:00", "17:00"]], ...} keyed by ISO weekday - 1 (Monday = "0")
    windows: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    # set when an edit replaced this version; the policies (and so the tickets) that named it keep it
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SlaPolicy(db.Model):
    """Response-time targets for one channel type (and optionally one priority)."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    priority: Mapped[str | None] = mapped_column(String(16), nullable=True)
    first_response_minutes: Mapped[int | None] = mapped_column(nullable=True)
    # "same business day" targets (phone) have no fixed length: due at the end of that day's hours
    first_response_same_business_day: Mapped[bool] = mapped_column(default=False)
    next_response_minutes: Mapped[int | None] = mapped_column(nullable=True)
    resolution_minutes: Mapped[int | None] = mapped_column(nullable=True)
    business_hours: Mapped[bool] = mapped_column(default=False)
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id"), nullable=True)
    warning_fraction: Mapped[float] = mapped_column(Float, default=0.8)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    calendar: Mapped[BusinessCalendar | None] = relationship()


# Tags are free-form labels agents put on tickets ("refund", "outage"); names are stored lowercased.
ticket_tags = Table(
    "ticket_tags",
    db.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_ticket_tags_tag_ticket", "tag_id", "ticket_id"),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_due", "status", "due_at", "id"),
        Index("ix_tickets_conversation", "account_id", "conversation_key", "id"),
        # one open ticket per conversation, whatever races the writers run
        Index("uq_tickets_open_conversation", "account_id", "conversation_key", unique=True,
              postgresql_where=text(_OPEN_SQL), sqlite_where=text(_OPEN_SQL)),
        Index("ix_tickets_status_warn", "status", "sla_warn_at"),
        # the inbox views (queries.py): each page is one range scan in the view's order
        Index("ix_tickets_open_due", "due_at", "id", **_where(_OPEN_SQL)),
        Index("ix_tickets_open_assignee_due", "assignee_id", "due_at", "id", **_where(_OPEN_SQL)),
        Index("ix_tickets_unassigned_due", "due_at", "id", **_where(_OPEN_SQL + " AND assignee_id IS NULL")),
        Index("ix_tickets_closed_resolved", "resolved_at", "id", **_where(_CLOSED_SQL)),
        Index("ix_tickets_opened", "opened_at"),  # the dashboard's per-week drill-down
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id"))
    channel: Mapped[str] = mapped_column(String(16))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    conversation_key: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="new")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    subject: Mapped[str] = mapped_column(String(512), default="")
    message_count: Mapped[int] = mapped_column(default=0)
    first_sentiment: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_sentiment: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The kind of engagement: its strongest message's (rules/engagement.py), or an agent's correction,
    # which later messages do not override.
    engagement: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    engagement_by_agent: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    next_response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The SLA columns below are a cache of the replayed clocks, written only by tickets.sla.outcomes.
    # the next deadline to meet; what the inbox is ordered by; due_target says which clock it is
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    due_target: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # when the earliest running clock passes its warning fraction; the sweep marks "at risk" from it
    sla_warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_customer_message_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    # personal data erased (a customer's request, or retention); times and SLA facts stay
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    account = relationship("ChannelAccount")
    contact: Mapped[Contact] = relationship()
    assignee = relationship("User")
    sla_policy: Mapped[SlaPolicy | None] = relationship()
    messages: Mapped[list["Message"]] = relationship(back_populates="ticket", order_by="(Message.sent_at, Message.id)")
    events: Mapped[list["TicketEvent"]] = relationship(back_populates="ticket", order_by="TicketEvent.id")
    notes: Mapped[list["TicketNote"]] = relationship(back_populates="ticket", order_by="TicketNote.id")
    tags: Mapped[list[Tag]] = relationship(secondary=ticket_tags, order_by=Tag.name)
    sla_outcome = relationship("SlaOutcome", uselist=False, cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("account_id", "external_id", name="uq_message_account_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for the brand's own posts that started no ticket (yet); kept for context and dedup
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id"))
    conversation_key: Mapped[str] = mapped_column(String(512))
    external_id: Mapped[str] = mapped_column(String(512))
    direction: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("contact_identities.id"), nullable=True)
    author_handle: Mapped[str] = mapped_column(String(512))
    author_name: Mapped[str] = mapped_column(String(512))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    in_reply_to: Mapped[str | None] = mapped_column(String(512), nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    lang: Mapped[str | None] = mapped_column(String(16), nullable=True)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    sentiment_label: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sentiment_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    sentiment_model: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # the kind of engagement the model saw (same encoder pass as the sentiment) and its probability
    engagement: Mapped[str | None] = mapped_column(String(16), nullable=True)
    engagement_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    # outbound replies written in Inbox: sending → sent | failed
    delivery_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    delivery_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    ticket: Mapped[Ticket | None] = relationship(back_populates="messages")
    identity: Mapped[ContactIdentity | None] = relationship()
    corrections: Mapped[list["SentimentCorrection"]] = relationship(back_populates="message", order_by="SentimentCorrection.id")

    @property
    def effective_sentiment(self) -> str | None:
        return self.corrections[-1].label if self.corrections else self.sentiment_label

    @property
    def shown_sentiment(self) -> str | None:
        """What the ticket page shows: an agent's label, else the model's, or "uncertain" where the model
        was unsure (inbox.sentiment.types.UNCERTAIN_BELOW); exports keep the stored label and score."""
        return self.corrections[-1].label if self.corrections else shown_label(self.sentiment_label, self.sentiment_score)


class SentimentCorrection(db.Model):
    """An agent overruling the model's label; kept for retraining and the weekly export."""

    __tablename__ = "sentiment_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    label: Mapped[str] = mapped_column(String(16))
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    message: Mapped[Message] = relationship(back_populates="corrections")
    corrected_by = relationship("User")


class EngagementCorrection(db.Model):
    """An agent overruling a ticket's kind; kept, like sentiment corrections, for retraining and exports.
    ``message_id`` is the message whose kind the ticket had taken (what a retrain learns from)."""

    __tablename__ = "engagement_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True, index=True)
    label: Mapped[str] = mapped_column(String(16))
    previous: Mapped[str | None] = mapped_column(String(16), nullable=True)
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    corrected_by = relationship("User")


class TicketEvent(db.Model):
    """Everything that happened to a ticket, with who and when; SLA history is replayed from these."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor = relationship("User")


class TicketNote(db.Model):
    """An internal note: seen by the team on the ticket page, never sent to the customer."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="notes")
    author = relationship("User")


class CannedResponse(db.Model):
    """A reply template managed by admins; {customer_name} and {agent_name} are filled in when used."""

    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
