"""Merging two contacts into one, and undoing it. Each merge is recorded (who, when, exactly which
identities and tickets moved), so it is audited and can be reversed precisely."""
from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..auth.models import User
from ..extensions import db
from ..tickets.events import EventType
from ..tickets.models import Contact, ContactIdentity, Ticket, TicketEvent
from ..timeutil import utcnow
from .models import ContactMerge

log = logging.getLogger(__name__)


class MergeError(ValueError):
    pass


def merge_contacts(source_id: int, target_id: int, user: User, reason: str = "") -> ContactMerge:
    """Move every identity and ticket of `source` to `target`; the history follows the tickets."""
    if source_id == target_id:
        raise MergeError(_("a contact cannot be merged with itself"))
    source, target = db.session.get(Contact, source_id), db.session.get(Contact, target_id)
    if source is None or target is None:
        raise MergeError(_("one of the two contacts no longer exists"))
    identity_ids = list(db.session.scalars(select(ContactIdentity.id).where(ContactIdentity.contact_id == source_id)))
    ticket_ids = list(db.session.scalars(select(Ticket.id).where(Ticket.contact_id == source_id)))
    if not identity_ids and not ticket_ids:
        raise MergeError(_("that contact has nothing left to merge"))
    now = utcnow()
    record = ContactMerge(source_id=source_id, target_id=target_id, source_name=source.display_name[:512],
                          identity_ids=identity_ids, ticket_ids=ticket_ids, reason=reason[:200], merged_by_id=user.id, merged_at=now)
    db.session.add(record)
    _move(ContactIdentity, identity_ids, target_id)
    _move(Ticket, ticket_ids, target_id)
    db.session.flush()
    for ticket_id in ticket_ids:
        db.session.add(TicketEvent(ticket_id=ticket_id, type=EventType.CONTACT_MERGED, actor_id=user.id, at=now,
                                   data={"merge_id": record.id, "from": source_id, "to": target_id}))
    db.session.commit()
    log.info("user %s merged contact %s into %s (merge %s: %d identities, %d tickets)", user.id, source_id, target_id,
             record.id, len(identity_ids), len(ticket_ids))
    return record


def undo_merge(merge_id: int, user: User) -> ContactMerge:
    """Move back what the merge moved (what is still on the target; later changes stay)."""
    record = db.session.get(ContactMerge, merge_id)
    if record is None:
        raise MergeError(_("no such merge"))
    if record.undone_at is not None:
        raise MergeError(_("this merge was already undone"))
    now = utcnow()
    identities = list(db.session.scalars(select(ContactIdentity.id).where(
        ContactIdentity.id.in_(record.identity_ids or [-1]), ContactIdentity.contact_id == record.target_id)))
    tickets = list(db.session.scalars(select(Ticket.id).where(Ticket.id.in_(record.ticket_ids or [-1]),
                                                              Ticket.contact_id == record.target_id)))
    _move(ContactIdentity, identities, record.source_id)
    _move(Ticket, tickets, record.source_id)
    for ticket_id in tickets:
        db.session.add(TicketEvent(ticket_id=ticket_id, type=EventType.CONTACT_UNMERGED, actor_id=user.id, at=now,
                                   data={"merge_id": record.id, "from": record.target_id, "to": record.source_id}))
    record.undone_at, record.undone_by_id = now, user.id
    db.session.commit()
    log.info("user %s undid merge %s (%d identities, %d tickets moved back)", user.id, merge_id, len(identities), len(tickets))
    return record


def _move(model: type, ids: list[int], contact_id: int) -> None:
    if ids:
        db.session.execute(update(model).where(model.id.in_(ids)).values(contact_id=contact_id)
                           .execution_options(synchronize_session=False))
