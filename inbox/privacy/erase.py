"""Erasing a customer: their words and names become a tombstone everywhere; the facts the team's
figures are made of (ticket times, SLA breaches, survey scores, sentiment labels) stay, anonymous.

Message text, author handles and names, raw payloads and permalinks, ticket subjects, the notes
on their tickets (and their names inside other notes), their identities and the contact's name
are overwritten in one transaction; the open-ticket search documents are rebuilt from the
overwritten rows by the same flush (inbox.tickets.search_index). Weekly export files already
written cannot be edited safely, so the ones that hold their messages are listed for deletion.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from redis.exceptions import RedisError
from sqlalchemy import select

from ..audit import record
from ..auth.models import User
from ..config import workspace_zone
from ..extensions import db
from ..tickets.models import Contact, ContactIdentity, Message, Ticket
from ..timeutil import utcnow
from ..voice.export import enqueue_export, file_name
from ..voice.files import FILE_NAME, has_export
from ..voice.weeks import IsoWeek
from ..webhooks.dispatch import erase_payloads
from .contacts import contact_rows, merged_in, name_pattern, needles, notes_mentioning
from .queued import erase_queued_messages

log = logging.getLogger(__name__)

TOMBSTONE = "[erased]"
# the weekly export files that carry message text (the summary holds counts only)
_EXPORT_KINDS_WITH_TEXT = ("messages", "themes")


@dataclass
class ErasureResult:
    contact_id: int | None = None
    identities: int = 0
    tickets: int = 0
    messages: int = 0
    notes: int = 0
    export_files: list[str] = field(default_factory=list)  # written before the erasure: they held their words
    weeks_rewritten: list[str] = field(default_factory=list)  # those weeks' exports, queued to be written again
    queued_messages: int = 0  # taken out of ingest jobs still waiting (queued, retrying, failed)

    def details(self) -> dict[str, object]:
        return {"identities": self.identities, "tickets": self.tickets, "messages": self.messages, "notes": self.notes,
                "export_files": self.export_files}


def _erase_message(message: Message) -> None:
    message.text = TOMBSTONE
    # a DM conversation key holds the customer's account id on the network
    message.conversation_key = f"erased:{message.ticket_id or message.id}"
    message.raw = None
    message.url = None
    message.delivery_error = None
    if message.direction == "inbound":
        message.author_handle = message.author_name = TOMBSTONE


def _scrub(text: str, names: list[str]) -> str:
    pattern = name_pattern(names)
    return pattern.sub(TOMBSTONE, text) if pattern is not None else text


def erase_tickets(tickets: Iterable[Ticket], now: datetime, names: list[str] | None = None) -> ErasureResult:
    """Overwrite the personal data of these tickets (no commit): messages, subject, notes on them,
    and `names` wherever another note mentions them."""
    result = ErasureResult()
    tickets = list(tickets)
    ids = [t.id for t in tickets]
    for ticket in tickets:
        ticket.subject = TOMBSTONE
        ticket.conversation_key = f"erased:{ticket.id}"
        ticket.erased_at = now
    result.tickets = len(tickets)
    if ids:
        for message in db.session.scalars(select(Message).where(Message.ticket_id.in_(ids))):
            _erase_message(message)
            result.messages += 1

    # what webhooks carry of these tickets (queued or in the delivery log) goes too
    erase_payloads(ids)
    for note in notes_mentioning(ids, names or []):
        note.body = TOMBSTONE if note.ticket_id in ids else _scrub(note.body, names or [])
        result.notes += 1
    return result


def _erase_identity(identity: ContactIdentity) -> None:
    identity.handle = identity.name = TOMBSTONE
    # the (channel, external id) pair stays unique, and a later message from that account starts a new contact
    identity.external_id = f"erased:{identity.id}"
    identity.followers = None


def erase_contact_data(contact: Contact, now: datetime) -> ErasureResult:
    """Everything of one contact (no commit, no audit): the part retention shares."""
    rows = contact_rows(contact)
    merged = merged_in(contact)
    names = needles(contact, rows.identities, merged.names)
    result = erase_tickets(rows.tickets, now, names)
    # their messages outside their tickets (context posts, messages moved by a merge)
    for message in rows.messages:
        if message.ticket_id not in rows.ticket_ids:
            _erase_message(message)
            result.messages += 1
    for identity in rows.identities:
        _erase_identity(identity)
    # erasure follows merges: the contacts merged into this one were the same person under another name
    people = {contact.id} | {c.id for c in merged.contacts}
    for other in merged.contacts:
        other.display_name, other.erased_at = TOMBSTONE, now
    for merge in merged.merges:
        if merge.source_id in people:
            # why two names were one person says who they are (a first name is no needle): all of it goes
            merge.source_name, merge.reason = TOMBSTONE, TOMBSTONE if merge.reason else ""
        else:  # undone since: somebody else's merge, which may name ours
            merge.reason = _scrub(merge.reason or "", names)
    contact.display_name = TOMBSTONE
    contact.erased_at = now
    result.contact_id = contact.id
    result.identities = len(rows.identities)
    result.export_files = export_files_holding(m.sent_at for m in rows.messages if m.direction == "inbound")
    return result


def erase_contact(contact: Contact, by: User | None) -> ErasureResult:
    """Erase one customer and record it in the audit log (who, when, what was erased, by id only)."""
    # their accounts as the networks name them, before the erasure overwrites the ids
    accounts = {(i.channel, i.external_id) for i in contact_rows(contact).identities}
    result = erase_contact_data(contact, utcnow())
    db.session.flush()
    record("contact_erased", by, contact, result.details())
    db.session.commit()
    # messages of theirs still waiting to be ingested would bring their words back
    result.queued_messages = erase_queued_messages(accounts)
    log.info("contact %s erased by user %s: %s", contact.id, by.id if by is not None else "-", result.details())
    result.weeks_rewritten = rewrite_exports(result.export_files)
    return result


def rewrite_exports(names: Iterable[str]) -> list[str]:
    """Queue the weeks of these stored export files to be written again, now from the erased rows
    (the new files replace the old ones whole). Returns the weeks queued; none when Redis is away,
    and the page then asks for the files to be re-exported by hand."""
    weeks = sorted({match.group(1) for match in map(FILE_NAME.match, names) if match})
    try:
        for week in weeks:
            enqueue_export(week)
    except RedisError as exc:
        log.error("export weeks %s not queued for rewriting after an erasure: %s", ", ".join(weeks), exc)
        return []
    return weeks


def export_files_holding(times: Iterable[datetime]) -> list[str]:
    """Weekly export files written for the weeks of these messages (they hold their text)."""
    zone = workspace_zone()
    weeks = {IsoWeek.of(at.astimezone(zone).date()) for at in times}
    found = []
    for week in sorted(weeks):
        for kind in _EXPORT_KINDS_WITH_TEXT:
            if has_export(file_name(week, kind)):
                found.append(file_name(week, kind))
    return found

