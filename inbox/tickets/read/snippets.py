"""The list's second line for tickets whose subject is an email's Subject: what the customer's first message
says (tickets.rules.snippet), read for one page of the list in one query."""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import func, select

from ...extensions import db
from ..models import Message, Ticket
from ..rules.snippet import triage_line

# the start of a message holds its first real line; a whole 50 000-character email is not read for it
_READ_CHARS = 4000


def opening_lines(tickets: Sequence[Ticket]) -> dict[int, str]:
    """Ticket id → the triage line of its first customer message, for email tickets where it says more than the
    subject (other tickets' subject already is that line, chosen at ingest)."""
    ids = [t.id for t in tickets if t.channel == "email"]
    if not ids:
        return {}
    first = (select(func.min(Message.id)).where(Message.ticket_id.in_(ids), Message.direction == "inbound")
             .group_by(Message.ticket_id))
    rows = db.session.execute(select(Message.ticket_id, func.substr(Message.text, 1, _READ_CHARS))
                              .where(Message.id.in_(first)))
    subjects = {t.id: t.subject.strip() for t in tickets}
    lines = {ticket_id: triage_line(text or "") for ticket_id, text in rows}
    return {ticket_id: line for ticket_id, line in lines.items() if line and line != subjects.get(ticket_id)}
