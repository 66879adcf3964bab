"""Identities that prove themselves are one person: linked while a batch is ingested.

A record that carries the customer's email address next to their phone number (an SMS gateway's
or a CRM's export) proves that both belong to one person: the phone identity and the email
identity end up on one contact, whichever arrived first. A handle or address a customer merely
writes in a message proves nothing (anyone can type one) and is only ever a suggestion
(`suggestions.py`). Two identities already on two different contacts are never merged here:
that is an agent's decision, offered on the customer panel.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from ..connectors.base import InboundMessage
from ..extensions import db
from .models import Contact, ContactIdentity

EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[^@\s<>()\[\],;:\"]{1,255}\.[^@\s<>()\[\],;:\"]{2,63}$")


def proven_email(channel: str, message: InboundMessage) -> str | None:
    """The email address the record itself gives for its author (not one written in the text)."""
    if channel == "email":
        return None
    author = (message.raw or {}).get("author") if isinstance(message.raw, dict) else None
    value = author.get("email") if isinstance(author, dict) else None
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    return value if EMAIL.match(value) else None


def link_proven(identity: ContactIdentity, fresh: Contact | None, channel: str, message: InboundMessage) -> None:
    """Put `identity` and the identities its record proves on one contact.

    `fresh` is the contact created a moment ago for a new identity (None for a known one): when
    the proven identity already belongs to someone, the new identity joins that contact instead."""
    address = proven_email(channel, message)
    if address is None:
        return
    # one added earlier in this batch is not flushed yet: look among the pending rows first
    known = next((row for row in db.session.new if isinstance(row, ContactIdentity)
                  and row.channel == "email" and row.external_id == address), None)
    if known is None:
        with db.session.no_autoflush:
            known = db.session.scalar(select(ContactIdentity).where(ContactIdentity.channel == "email",
                                                                    ContactIdentity.external_id == address))
    if known is None:
        db.session.add(ContactIdentity(contact=identity.contact, channel="email", external_id=address, handle=address,
                                       name=identity.name, updated_at=identity.updated_at))
        return
    if known.contact_id == identity.contact_id or known.contact is identity.contact:
        return
    if fresh is not None:
        identity.contact = known.contact
        if fresh in db.session:
            db.session.expunge(fresh)
