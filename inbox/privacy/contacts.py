"""Finding a customer's rows: their identities, tickets, messages and the notes that mention them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from ..contacts.models import ContactMerge
from ..extensions import db
from ..tickets.models import Contact, ContactIdentity, Message, Ticket, TicketNote

MAX_MATCHES = 50
NEEDLE_MIN_CHARS = 3  # shorter names ("Al") would match half the notes of the team


@dataclass
class ContactRows:
    contact: Contact
    identities: list[ContactIdentity] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    notes: list[TicketNote] = field(default_factory=list)  # on their tickets, and elsewhere naming them

    @property
    def ticket_ids(self) -> list[int]:
        return [t.id for t in self.tickets]


@dataclass
class MergedIn:
    """The contacts merged into a customer (and into those, …) by merges still standing: the same
    person under the names they had before, and every merge record that names one of them."""

    contacts: list[Contact] = field(default_factory=list)
    merges: list[ContactMerge] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [c.display_name for c in self.contacts] + [m.source_name for m in self.merges]


def merged_in(contact: Contact) -> MergedIn:
    people, frontier = {contact.id}, [contact.id]
    while frontier:
        sources = set(db.session.scalars(select(ContactMerge.source_id).where(
            ContactMerge.target_id.in_(frontier), ContactMerge.undone_at.is_(None))))
        frontier = sorted(sources - people)
        people.update(frontier)
    others = sorted(people - {contact.id})
    contacts = list(db.session.scalars(select(Contact).where(Contact.id.in_(others)).order_by(Contact.id))) if others else []
    merges = list(db.session.scalars(select(ContactMerge).where(
        or_(ContactMerge.source_id.in_(people), ContactMerge.target_id.in_(people))).order_by(ContactMerge.id)))
    return MergedIn(contacts, merges)


def needles(contact: Contact, identities: list[ContactIdentity], also: list[str] | None = None) -> list[str]:
    """What names the customer in free text: their handles and names (with and without "@"), and
    `also` (the names they had before a merge)."""
    found: set[str] = set()
    for value in [contact.display_name] + [v for i in identities for v in (i.handle, i.name)] + (also or []):
        value = (value or "").strip()
        for variant in (value, value.lstrip("@")):
            if len(variant) >= NEEDLE_MIN_CHARS:
                found.add(variant)
    return sorted(found, key=len, reverse=True)


def contact_rows(contact: Contact) -> ContactRows:
    identities = list(db.session.scalars(select(ContactIdentity).where(ContactIdentity.contact_id == contact.id)
                                         .order_by(ContactIdentity.id)))
    tickets = list(db.session.scalars(select(Ticket).where(Ticket.contact_id == contact.id).order_by(Ticket.id)))
    ticket_ids = [t.id for t in tickets]
    identity_ids = [i.id for i in identities]
    mine = ([Message.ticket_id.in_(ticket_ids)] if ticket_ids else []) + ([Message.identity_id.in_(identity_ids)] if identity_ids else [])
    messages = list(db.session.scalars(select(Message).where(or_(*mine)).order_by(Message.sent_at, Message.id))) if mine else []
    notes = notes_mentioning(ticket_ids, needles(contact, identities, merged_in(contact).names))
    return ContactRows(contact, identities, tickets, messages, notes)


def name_pattern(names: list[str]) -> re.Pattern[str] | None:
    """Any of `names` as a whole word ("Ann" in "Ann called", not in "announce"), ignoring case."""
    if not names:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE)


def notes_mentioning(ticket_ids: list[int], names: list[str]) -> list[TicketNote]:
    """Notes on these tickets, and notes on any other ticket that name the customer."""
    conditions = [TicketNote.ticket_id.in_(ticket_ids)] if ticket_ids else []
    # a substring match in the database narrows the notes down; the whole-word check is done here
    conditions += [TicketNote.body.ilike("%" + _escape(name) + "%", escape="\\") for name in names]
    if not conditions:
        return []
    pattern = name_pattern(names)
    return [note for note in db.session.scalars(select(TicketNote).where(or_(*conditions)).order_by(TicketNote.id))
            if note.ticket_id in ticket_ids or (pattern is not None and pattern.search(note.body))]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_contacts(query: str) -> list[tuple[Contact, list[ContactIdentity]]]:
    """Contacts whose handle, name or channel id matches what a privacy request names (exactly or in part)."""
    text = " ".join(query.split())[:200]
    if len(text) < 2:
        return []
    like = "%" + _escape(text) + "%"
    ids = list(db.session.scalars(
        select(ContactIdentity.contact_id).where(or_(
            ContactIdentity.handle.ilike(like, escape="\\"), ContactIdentity.name.ilike(like, escape="\\"),
            ContactIdentity.external_id == text,
        )).distinct().limit(MAX_MATCHES)))
    ids += list(db.session.scalars(select(Contact.id).where(Contact.display_name.ilike(like, escape="\\")).limit(MAX_MATCHES)))
    ids = sorted(set(ids))[:MAX_MATCHES]
    contacts = list(db.session.scalars(select(Contact).where(Contact.id.in_(ids)).order_by(Contact.id))) if ids else []
    return [(c, list(c.identities)) for c in contacts]
