"""Internal notes: for the team on the ticket page, never sent to the customer."""
from __future__ import annotations

from flask_babel import gettext as _

from ...auth.models import User
from ...extensions import db
from ...timeutil import utcnow
from ..models import Ticket, TicketNote
from .actions import ActionError, _event

MAX_NOTE_CHARS = 10_000


def clean_text(raw: str, what: str, limit: int) -> str:
    """Line endings unified and ends trimmed; empty, over-long or NUL-containing text is refused
    (PostgreSQL cannot store NUL, and it is never meant)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    noun = _("note") if what == "note" else _("response") if what == "response" else what
    if not text:
        raise ActionError(_("the %(what)s is empty", what=noun), _("empty %(what)s", what=noun))
    if len(text) > limit:
        raise ActionError(_("the %(what)s is longer than %(limit)s characters", what=noun, limit=f"{limit:,}"),
                          _("%(what)s too long", what=noun))
    if "\x00" in text:
        raise ActionError(_("the %(what)s contains a NUL character", what=noun), _("invalid %(what)s", what=noun))
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
