"""Tickets, their messages and notes: the inbox list and what an agent does on the ticket page."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...config import workspace_zone
from ...extensions import db
from ...tickets.models import Contact, Message, Ticket
from ...tickets.read.queries import ListCursor, TicketFilter, list_tickets
from ...tickets.workspace.actions import ActionError, NotAllowed
from ...tickets.workspace.notes import add_note
from ...tickets.workspace.replies import queue_reply
from ...timeutil import utcnow
from .. import schemas, serialize
from ..auth import Caller
from ..blueprint import bp
from ..problems import ApiProblem
from ..spec import operation
from ..ticket_changes import apply_ticket_update


def ticket_or_404(ticket_id: int) -> Ticket:
    found = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id).options(
        selectinload(Ticket.contact).selectinload(Contact.identities), selectinload(Ticket.tags)))
    if found is None:
        raise ApiProblem(404, f"No ticket #{ticket_id}.")
    return found


@operation(bp, "get", "/tickets", summary="List tickets", tag="tickets", query=schemas.TicketListQuery, response=schemas.TicketPage,
           refusals=("an “after” cursor this API did not return (a ticket id of 0 or past 2147483647, a time outside "
                     "the years 1–9999)", "a filter the inbox cannot use (an unknown assignee, a tag too long, a search it refuses)"))
def list_ticket_page(caller: Caller, query: schemas.TicketListQuery) -> schemas.TicketPage:
    """One page of an inbox view with the inbox's filters, in the view's order (next deadline first;
    Resolved newest first). Pages are keyset pages: pass `next` as `after` for the following one."""
    after = None
    if query.after is not None:
        after = ListCursor.decode(query.after)
        if after is None:
            raise ApiProblem(422, "“after” is not a cursor this API returned.")
    args = {k: v for k, v in query.model_dump(exclude={"view", "after", "limit"}).items() if v is not None}
    filters = TicketFilter.from_args(args, workspace_zone(), me=caller.user.id)
    if filters.problems:
        raise ApiProblem(422, " ".join(filters.problems))
    now = utcnow()
    rows, cursor = list_tickets(query.view, after, limit=query.limit, filters=filters, user_id=caller.user.id, now=now)
    return schemas.TicketPage(items=[serialize.ticket(t, now) for t in rows], next=cursor.encode() if cursor else None)


@operation(bp, "get", "/tickets/{ticket_id}", summary="Get a ticket", tag="tickets", response=schemas.Ticket)
def get_ticket(caller: Caller, ticket_id: int) -> schemas.Ticket:
    return serialize.ticket(ticket_or_404(ticket_id), utcnow())


@operation(bp, "patch", "/tickets/{ticket_id}", summary="Change a ticket's status, priority, assignee or tags", tag="tickets",
           body=schemas.TicketUpdate, response=schemas.Ticket, errors=(409,),
           refusals=("“assignee_id”: null (leave it out to keep the assignee, 0 to unassign)", "nothing to change",
                     "a tag that is empty or too long"))
def update_ticket(caller: Caller, ticket_id: int, body: schemas.TicketUpdate) -> schemas.Ticket:
    """All the changes asked for happen together or none does, each recorded on the ticket's history as
    in the UI. Agents may take an unassigned ticket or give up their own; assigning to someone else is
    a lead's job (403)."""
    ticket = ticket_or_404(ticket_id)
    try:
        apply_ticket_update(ticket, caller.user, body)
    except NotAllowed as exc:
        raise ApiProblem(403, str(exc)) from None
    except ActionError as exc:
        raise ApiProblem(409, str(exc)) from None
    db.session.expire_all()
    return serialize.ticket(ticket_or_404(ticket_id), utcnow())


@operation(bp, "get", "/tickets/{ticket_id}/messages", summary="List a ticket's messages", tag="messages",
           response=schemas.MessageList)
def list_messages(caller: Caller, ticket_id: int) -> schemas.MessageList:
    """The customer's messages and our replies, oldest first (notes are separate)."""
    ticket_or_404(ticket_id)
    rows = db.session.scalars(select(Message).where(Message.ticket_id == ticket_id).order_by(Message.sent_at, Message.id)
                              .options(selectinload(Message.corrections)))
    return schemas.MessageList(items=[serialize.message(m) for m in rows])


@operation(bp, "post", "/tickets/{ticket_id}/messages", summary="Reply to the customer", tag="messages",
           body=schemas.ReplyCreate, response=schemas.Message, status=202,
           refusals=("a reply longer than the ticket's network takes (X: 280, counted as X counts, URLs as 23 and "
                     "CJK characters as 2)", "a ticket whose channel cannot send replies"))
def reply(caller: Caller, ticket_id: int, body: schemas.ReplyCreate) -> schemas.Message:
    """Queued exactly like a reply from the ticket page: recorded at once with delivery_state
    "sending", then sent on the ticket's network by the delivery job. The SLA clocks stop when the
    network accepts it, not now."""
    ticket = ticket_or_404(ticket_id)
    try:
        message = queue_reply(ticket, caller.user, body.text)
    except ActionError as exc:
        raise ApiProblem(422, str(exc)) from None
    return serialize.message(message)


@operation(bp, "get", "/tickets/{ticket_id}/notes", summary="List a ticket's internal notes", tag="notes", response=schemas.NoteList)
def list_notes(caller: Caller, ticket_id: int) -> schemas.NoteList:
    return schemas.NoteList(items=[serialize.note(n) for n in ticket_or_404(ticket_id).notes])


@operation(bp, "post", "/tickets/{ticket_id}/notes", summary="Add an internal note", tag="notes", body=schemas.NoteCreate,
           response=schemas.Note, status=201)
def create_note(caller: Caller, ticket_id: int, body: schemas.NoteCreate) -> schemas.Note:
    try:
        note = add_note(ticket_or_404(ticket_id), body.body, caller.user)
    except ActionError as exc:
        raise ApiProblem(422, str(exc)) from None
    return serialize.note(note)
