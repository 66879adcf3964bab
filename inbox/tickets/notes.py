"""Internal notes: for the team on the ticket page, never sent to the customer."""
from __future__ import annotations

from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow
from .actions import ActionError, _event
from .models import Ticket, TicketNote

MAX_NOTE_CHARS = 10_000


def clean_text(raw: str, what: str, limit: int) -> str:
    """Line endings unified and ends trimmed; empty, over-long or NUL-containing text is refused
    (PostgreSQL cannot store NUL, and it is never meant)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ActionError(f"the {what} is empty", f"empty {what}")
    if len(text) > limit:
        raise ActionError(f"the {what} is longer than {limit:,} characters", f"{what} too long")
    if "\x00" in text:
        raise ActionError(f"the {what} contains a NUL character", f"invalid {what}")
    return text


def add_note(ticket: Ticket, body: str, by: User) -> TicketNote:
    text = clean_text(body, "note", MAX_NOTE_CHARS)
    now = utcnow()
    note = TicketNote(ticket=ticket, author_id=by.id, body=text, created_at=now)
    db.session.add(note)
    db.session.flush()
    _event(ticket, "note", by, now, {"note_id": note.id})
    db.session.commit()
    return note
