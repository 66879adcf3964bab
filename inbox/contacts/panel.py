"""The customer panel's data: likely matches for this ticket's contact, and merges to undo."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..tickets.models import Contact, ContactIdentity, Message, Ticket
from .models import ContactMerge
from .suggestions import Clues, clues, rank

MAX_TEXTS = 50
MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class Match:
    contact: Contact
    reasons: list[str]
    tickets: int


def _texts(contact_id: int) -> list[str]:
    return list(db.session.scalars(
        select(Message.text).join(Ticket, Message.ticket_id == Ticket.id)
        .where(Ticket.contact_id == contact_id, Message.direction == "inbound")
        .order_by(Message.id.desc()).limit(MAX_TEXTS)
    ))


def _clues_of(contact: Contact, texts: list[str]) -> Clues:
    names = [contact.display_name] + [i.name for i in contact.identities]
    return clues(names, [(i.channel, i.external_id, i.handle) for i in contact.identities], texts)


def suggestions(contact: Contact) -> list[Match]:
    mine = _clues_of(contact, _texts(contact.id))
    own = {(i.channel, i.external_id) for i in contact.identities}
    conditions = []
    if mine.handles:
        conditions.append(func.lower(ContactIdentity.handle).in_(sorted(mine.handles)))
    if mine.emails:
        conditions.append(ContactIdentity.external_id.in_(sorted(mine.emails)))
    for phone in sorted(mine.phones)[:10]:
        conditions.append(ContactIdentity.external_id.like(f"%{phone[-7:]}"))
    names = sorted(mine.names)
    if names:
        conditions.append(func.lower(ContactIdentity.name).in_(names))
        conditions.append(ContactIdentity.contact_id.in_(select(Contact.id).where(func.lower(Contact.display_name).in_(names))))
    if not conditions:
        return []
    ids = list(db.session.scalars(
        select(ContactIdentity.contact_id).where(or_(*conditions), ContactIdentity.contact_id != contact.id).distinct().limit(50)))
    if not ids:
        return []
    others = {c.id: c for c in db.session.scalars(select(Contact).where(Contact.id.in_(ids)).options(selectinload(Contact.identities)))}
    candidates = {cid: (clues([c.display_name] + [i.name for i in c.identities],
                              [(i.channel, i.external_id, i.handle) for i in c.identities], []),
                        [(i.channel, i.external_id, i.handle) for i in c.identities]) for cid, c in others.items()}
    ranked = rank(mine, own, candidates)[:MAX_SUGGESTIONS]
    counts = dict(db.session.execute(select(Ticket.contact_id, func.count()).where(
        Ticket.contact_id.in_([s.contact_id for s in ranked] or [-1])).group_by(Ticket.contact_id)).all())
    return [Match(others[s.contact_id], s.reasons, int(counts.get(s.contact_id, 0))) for s in ranked]


def merges_into(contact_id: int) -> list[ContactMerge]:
    return list(db.session.scalars(
        select(ContactMerge).where(ContactMerge.target_id == contact_id, ContactMerge.undone_at.is_(None))
        .order_by(ContactMerge.id.desc()).limit(10)))


def customer_panel(ticket: Ticket) -> dict[str, Any]:
    return {"contact_matches": suggestions(ticket.contact), "contact_merges": merges_into(ticket.contact_id)}
