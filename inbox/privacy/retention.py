"""Retention: resolved tickets' personal data erased N days after resolution (off unless
INBOX_RETENTION_DAYS is set). A scheduled job (jobs.privacy.retention_job) runs it daily; SLA figures stay."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import exists, select

from ..audit import record
from ..extensions import db
from ..tickets.models import Contact, Ticket
from ..timeutil import utcnow
from .erase import erase_contact_data, erase_tickets

log = logging.getLogger(__name__)

BATCH = 500
CLOSED = ("resolved", "closed")


@dataclass
class RetentionResult:
    tickets: int = 0
    contacts: int = 0
    messages: int = 0


def erase_resolved_before(cutoff: datetime, batch: int = BATCH) -> RetentionResult:
    """Erase tickets resolved before `cutoff` (batch by batch, one commit each), then the customers
    who have nothing left but erased tickets."""
    total = RetentionResult()
    now = utcnow()
    while True:
        tickets = list(db.session.scalars(
            select(Ticket).where(Ticket.status.in_(CLOSED), Ticket.resolved_at < cutoff, Ticket.erased_at.is_(None))
            .order_by(Ticket.id).limit(batch)))
        if not tickets:
            break
        contact_ids = {t.contact_id for t in tickets}
        result = erase_tickets(tickets, now)
        total.tickets += result.tickets
        total.messages += result.messages
        db.session.flush()
        for contact in db.session.scalars(select(Contact).where(Contact.id.in_(contact_ids), Contact.erased_at.is_(None))):
            if not db.session.scalar(select(exists().where(Ticket.contact_id == contact.id, Ticket.erased_at.is_(None)))):
                erase_contact_data(contact, now)
                total.contacts += 1
        db.session.commit()
    if total.tickets:
        record("retention_erased", None, None, {"tickets": total.tickets, "contacts": total.contacts,
                                                "messages": total.messages, "resolved_before": cutoff.isoformat()})
        db.session.commit()
        log.info("retention: erased %d ticket(s), %d contact(s) resolved before %s", total.tickets, total.contacts, cutoff)
    return total


def retention_days() -> int | None:
    days = current_app.config.get("RETENTION_DAYS")
    return days if days and days > 0 else None
