"""Contacts (the customer on every channel, and merging two) and the team's users."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...auth.models import User
from ...contacts.merge import MergeError, merge_contacts
from ...extensions import db
from ...tickets.models import Contact, Ticket
from .. import schemas, serialize
from ..auth import Caller
from ..blueprint import bp
from ..problems import ApiProblem
from ..spec import operation

MAX_CONTACT_TICKETS = 100


def _contact(contact_id: int) -> schemas.Contact:
    row = db.session.scalar(select(Contact).where(Contact.id == contact_id).options(selectinload(Contact.identities)))
    if row is None:
        raise ApiProblem(404, f"No contact #{contact_id}.")
    ids = list(db.session.scalars(select(Ticket.id).where(Ticket.contact_id == contact_id).order_by(Ticket.id.desc())
                                  .limit(MAX_CONTACT_TICKETS)))
    return serialize.contact(row, ids)


@operation(bp, "get", "/contacts/{contact_id}", summary="Get a contact", tag="contacts", response=schemas.Contact)
def get_contact(caller: Caller, contact_id: int) -> schemas.Contact:
    """One customer: their identity on every channel and their tickets."""
    return _contact(contact_id)


@operation(bp, "post", "/contacts/{contact_id}/merge", summary="Merge another contact into this one", tag="contacts",
           body=schemas.ContactMerge, response=schemas.MergeResult, errors=(409,))
def merge_contact(caller: Caller, contact_id: int, body: schemas.ContactMerge) -> schemas.MergeResult:
    """Every identity and ticket of `source_id` moves to this contact, recorded (and undoable in the UI)
    as when an agent merges from the customer panel."""
    _contact(contact_id)
    if db.session.get(Contact, body.source_id) is None:
        raise ApiProblem(404, f"No contact #{body.source_id} to merge.")
    try:
        record = merge_contacts(body.source_id, contact_id, caller.user, body.reason)
    except MergeError as exc:
        raise ApiProblem(409, str(exc)) from None
    db.session.expire_all()
    return schemas.MergeResult(merge_id=record.id, contact=_contact(contact_id), moved_identity_ids=list(record.identity_ids or []),
                               moved_ticket_ids=list(record.ticket_ids or []))


@operation(bp, "get", "/users", summary="List users", tag="users", response=schemas.UserList)
def list_users(caller: Caller) -> schemas.UserList:
    """Everyone who can be assigned tickets (and deactivated users, marked inactive)."""
    rows = db.session.scalars(select(User).order_by(User.name, User.id))
    return schemas.UserList(items=[serialize.user(u, caller.user) for u in rows])


@operation(bp, "get", "/users/me", summary="The token's user", tag="users", response=schemas.User)
def me(caller: Caller) -> schemas.User:
    return serialize.user(caller.user, caller.user)


@operation(bp, "get", "/users/{user_id}", summary="Get a user", tag="users", response=schemas.User)
def get_user(caller: Caller, user_id: int) -> schemas.User:
    row = db.session.get(User, user_id)
    if row is None:
        raise ApiProblem(404, f"No user #{user_id}.")
    return serialize.user(row, caller.user)
