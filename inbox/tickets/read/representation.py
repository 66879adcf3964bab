"""A ticket and its messages as the outside world sees them: the shapes the API answers with and webhook
payloads carry, and the one meaning of a ticket's SLA state (at risk, breached) for one ticket."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ..models import PRIORITIES, TICKET_STATUSES
from ..models import Message as MessageRow
from ..models import Ticket as TicketRow

Status = Literal[TICKET_STATUSES]  # type: ignore[valid-type]
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]
SlaState = Literal["none", "on_track", "at_risk", "breached"]


class ContactRef(BaseModel):
    id: int
    display_name: str
    handles: list[str]


class Ticket(BaseModel):
    id: int
    status: Status
    priority: Priority
    channel: str
    kind: str
    account_id: int
    subject: str
    contact: ContactRef
    assignee_id: int | None
    tags: list[str]
    message_count: int
    first_sentiment: str | None
    last_sentiment: str | None
    engagement: str | None = Field(description="The ticket's kind of engagement: question, complaint, request, praise, "
                                                "feedback or noise (its strongest message's, or an agent's correction).")
    sla_state: SlaState
    due_at: datetime | None
    due_target: str | None
    first_response_due_at: datetime | None
    first_response_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    opened_at: datetime
    resolved_at: datetime | None
    updated_at: datetime


class Message(BaseModel):
    id: int
    direction: Literal["inbound", "outbound"]
    kind: str
    author_handle: str
    author_name: str
    text: str
    sent_at: datetime
    lang: str | None
    url: str | None
    sentiment: str | None
    engagement: str | None = Field(description="The message's kind of engagement as the model saw it (customer messages).")
    delivery_state: str | None = Field(description="Replies written in Inbox: sending, posting, sent or failed.")
    delivery_error: str | None
    sent_by_id: int | None


def sla_state(ticket: TicketRow, now: datetime) -> str:
    """The one meaning of at risk / breached (tickets.read.queries.view_conditions) for one ticket."""
    if not ticket.is_open or ticket.due_at is None:
        return "none"
    if ticket.due_at <= now:
        return "breached"
    if ticket.sla_warn_at is not None and ticket.sla_warn_at <= now:
        return "at_risk"
    return "on_track"


def ticket_view(row: TicketRow, now: datetime) -> Ticket:
    contact = row.contact
    return Ticket(
        id=row.id, status=row.status, priority=row.priority, channel=row.channel, kind=row.kind, account_id=row.account_id,
        subject=row.subject, assignee_id=row.assignee_id, tags=[t.name for t in row.tags], message_count=row.message_count,
        contact=ContactRef(id=contact.id, display_name=contact.display_name, handles=[i.handle for i in contact.identities]),
        first_sentiment=row.first_sentiment, last_sentiment=row.last_sentiment, engagement=row.engagement,
        sla_state=sla_state(row, now),
        due_at=row.due_at, due_target=row.due_target, first_response_due_at=row.first_response_due_at,
        first_response_at=row.first_response_at, next_response_due_at=row.next_response_due_at,
        resolution_due_at=row.resolution_due_at, opened_at=row.opened_at, resolved_at=row.resolved_at,
        updated_at=row.updated_at or row.created_at,
    )


def message_view(row: MessageRow) -> Message:
    return Message(
        id=row.id, direction=row.direction, kind=row.kind, author_handle=row.author_handle, author_name=row.author_name,
        text=row.text, sent_at=row.sent_at, lang=row.lang, url=row.url,
        sentiment=row.effective_sentiment if row.direction == "inbound" else None,
        engagement=row.engagement if row.direction == "inbound" else None,
        delivery_state=row.delivery_state, delivery_error=row.delivery_error, sent_by_id=row.sent_by_id,
    )
