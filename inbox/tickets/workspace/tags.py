"""Free-form ticket tags ("refund", "outage", "返品"): normalised so one idea is one tag."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...auth.models import User
from ...extensions import db
from ...timeutil import utcnow
from ..models import Tag, Ticket
from .actions import ActionError, _event

MAX_TAG_CHARS = 64
MAX_TAGS_PER_TICKET = 50
MAX_TAGS_PER_REQUEST = 20
# a comma, the Japanese comma or the full-width comma separates tags typed in one field
_SEPARATORS = re.compile(r"[,、，]")
_ALLOWED_FORMAT_CHARS = {"\u200d"}  # the zero-width joiner inside emoji sequences


def normalize_tag(raw: str) -> str:
    """NFKC (so full-width "ＲＥＦＵＮＤ" is "refund"), trimmed, inner spaces collapsed, lowercased.

    Control, format (bidi overrides), private-use and unassigned characters are refused rather than
    silently dropped, so what the agent sees is what is stored."""
    if len(raw) > 4 * MAX_TAG_CHARS:
        raise ActionError(_("a tag can have at most %(limit)s characters", limit=MAX_TAG_CHARS), _("tag too long"))
    name = " ".join(unicodedata.normalize("NFKC", raw).split()).lower()
    if not name:
        raise ActionError(_("a tag cannot be empty"), _("empty tag"))
    for ch in name:
        if unicodedata.category(ch).startswith("C") and ch not in _ALLOWED_FORMAT_CHARS:
            raise ActionError(_("a tag cannot contain the control character %(char)s", char=f"U+{ord(ch):04X}"), _("invalid tag"))
    if len(name) > MAX_TAG_CHARS:
        raise ActionError(_("a tag can have at most %(limit)s characters", limit=MAX_TAG_CHARS), _("tag too long"))
    return name


def parse_tags(raw: str) -> list[str]:
    """One or more tags typed in one field, separated by commas; duplicates collapse."""
    if len(raw) > MAX_TAGS_PER_REQUEST * (MAX_TAG_CHARS + 8):
        raise ActionError(_("too many tags at once"), _("too many tags"))
    parts = [p for p in _SEPARATORS.split(raw) if p.strip()]
    if not parts:
        raise ActionError(_("a tag cannot be empty"), _("empty tag"))
    if len(parts) > MAX_TAGS_PER_REQUEST:
        raise ActionError(_("at most %(limit)s tags at once", limit=MAX_TAGS_PER_REQUEST), _("too many tags"))
    names: list[str] = []
    for part in parts:
        name = normalize_tag(part)
        if name not in names:
            names.append(name)
    return names


def get_or_create_tag(name: str) -> Tag:
    """The Tag row for a normalised name; another request creating it at the same moment is fine."""
    tag = db.session.scalar(select(Tag).where(Tag.name == name))
    if tag is not None:
        return tag
    try:
        with db.session.begin_nested():
            tag = Tag(name=name, created_at=utcnow())
            db.session.add(tag)
    except IntegrityError:
        tag = db.session.scalar(select(Tag).where(Tag.name == name))
        assert tag is not None
    return tag


def _add_tags(ticket: Ticket, names: list[str], by: User, now: datetime) -> list[str]:
    present = {t.name for t in ticket.tags}
    new = [n for n in names if n not in present]
    if not new:
        label = names[0] if len(names) == 1 else ", ".join(names)
        raise ActionError(_("ticket #%(id)s is already tagged %(tags)s", id=ticket.id, tags=label), _("already tagged"))
    if len(present) + len(new) > MAX_TAGS_PER_TICKET:
        raise ActionError(_("a ticket can have at most %(limit)s tags", limit=MAX_TAGS_PER_TICKET), _("too many tags"))
    for name in new:
        ticket.tags.append(get_or_create_tag(name))
    _event(ticket, "tags_added", by, now, {"tags": new})
    return new


def add_tags(ticket: Ticket, raw: str, by: User) -> list[str]:
    """Add the tags typed in `raw`; returns the ones that were new on this ticket."""
    added = _add_tags(ticket, parse_tags(raw), by, utcnow())
    db.session.commit()
    return added


def _remove_tags(ticket: Ticket, names: list[str], by: User, now: datetime) -> None:
    present = {t.name: t for t in ticket.tags}
    missing = [n for n in names if n not in present]
    if missing:
        raise ActionError(_("ticket #%(id)s has no tag %(tag)s", id=ticket.id, tag=missing[0]), _("not tagged"))
    for name in names:
        ticket.tags.remove(present[name])
    _event(ticket, "tags_removed", by, now, {"tags": names})


def remove_tag(ticket: Ticket, raw: str, by: User) -> None:
    _remove_tags(ticket, [normalize_tag(raw)], by, utcnow())
    db.session.commit()


def known_tags(limit: int = 500) -> list[str]:
    """Existing tag names, for the tag field's suggestions (the browser filters them as you type)."""
    return list(db.session.scalars(select(Tag.name).order_by(Tag.name).limit(limit)))
