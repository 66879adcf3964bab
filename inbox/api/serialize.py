"""Rows to API shapes: one function per resource, used by every operation that returns it."""
from __future__ import annotations

from datetime import datetime

from ..auth.models import User as UserRow
from ..tickets.models import Contact as ContactRow
from ..tickets.models import Message as MessageRow
from ..tickets.models import Ticket as TicketRow
from ..tickets.models import TicketNote
from . import schemas


def sla_state(ticket: TicketRow, now: datetime) -> str:
    """The one meaning of at risk / breached (tickets.queries.view_conditions) for one ticket."""
    if not ticket.is_open or ticket.due_at is None:
        return "none"
    if ticket.due_at <= now:
        return "breached"
    if ticket.sla_warn_at is not None and ticket.sla_warn_at <= now:
        return "at_risk"
    return "on_track"


def ticket(row: TicketRow, now: datetime) -> schemas.Ticket:
    contact = row.contact
    return schemas.Ticket(
        id=row.id, status=row.status, priority=row.priority, channel=row.channel, kind=row.kind, account_id=row.account_id,
        subject=row.subject, assignee_id=row.assignee_id, tags=[t.name for t in row.tags], message_count=row.message_count,
        contact=schemas.ContactRef(id=contact.id, display_name=contact.display_name, handles=[i.handle for i in contact.identities]),
        first_sentiment=row.first_sentiment, last_sentiment=row.last_sentiment, sla_state=sla_state(row, now),
        due_at=row.due_at, due_target=row.due_target, first_response_due_at=row.first_response_due_at,
        first_response_at=row.first_response_at, next_response_due_at=row.next_response_due_at,
        resolution_due_at=row.resolution_due_at, opened_at=row.opened_at, resolved_at=row.resolved_at,
        updated_at=row.updated_at or row.created_at,
    )


def message(row: MessageRow) -> schemas.Message:
    return schemas.Message(
        id=row.id, direction=row.direction, kind=row.kind, author_handle=row.author_handle, author_name=row.author_name,
        text=row.text, sent_at=row.sent_at, lang=row.lang, url=row.url,
        sentiment=row.effective_sentiment if row.direction == "inbound" else None,
        delivery_state=row.delivery_state, delivery_error=row.delivery_error, sent_by_id=row.sent_by_id,
    )


def note(row: TicketNote) -> schemas.Note:
    return schemas.Note(id=row.id, author_id=row.author_id, body=row.body, created_at=row.created_at)


def contact(row: ContactRow, ticket_ids: list[int]) -> schemas.Contact:
    return schemas.Contact(
        id=row.id, display_name=row.display_name, erased=row.erased_at is not None, ticket_ids=ticket_ids,
        identities=[schemas.Identity(id=i.id, channel=i.channel, handle=i.handle, name=i.name, followers=i.followers)
                    for i in row.identities])


def user(row: UserRow, viewer: UserRow) -> schemas.User:
    shows_email = viewer.has_role("admin") or viewer.id == row.id
    return schemas.User(id=row.id, name=row.name, role=row.role, active=row.active, email=row.email if shows_email else None)
