"""Canned responses: reply templates admins manage, filled in for the ticket at hand.

Placeholders are replaced in one pass with a fixed table, never with str.format: a template such as
"{__class__}" or "{0.__init__}" is just text, and a customer called "{agent_name}" stays literally so.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...auth.models import User
from ...extensions import db
from ...timeutil import utcnow
from ...translatable import N_
from ..models import CannedResponse, Ticket
from .actions import ActionError
from .notes import clean_text
from .replies import MAX_REPLY_CHARS

PLACEHOLDERS = ("customer_name", "agent_name")
MAX_TITLE_CHARS = 120
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill_placeholders(body: str, values: dict[str, str]) -> str:
    """Known placeholders replaced; unknown ones left visibly as typed, so the agent notices them."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def customer_name(ticket: Ticket) -> str:
    contact = ticket.contact
    if contact is not None and contact.display_name.strip():
        return contact.display_name.strip()
    identities = contact.identities if contact is not None else []
    return identities[0].handle if identities else "there"


def placeholder_values(ticket: Ticket, agent: User) -> dict[str, str]:
    return {"customer_name": customer_name(ticket), "agent_name": agent.name}


def render_canned(canned: CannedResponse, ticket: Ticket, agent: User) -> str:
    return fill_placeholders(canned.body, placeholder_values(ticket, agent))


def active_canned() -> list[CannedResponse]:
    return list(db.session.scalars(select(CannedResponse).where(CannedResponse.active.is_(True)).order_by(CannedResponse.title)))


def all_canned() -> list[CannedResponse]:
    return list(db.session.scalars(select(CannedResponse).order_by(CannedResponse.active.desc(), CannedResponse.title)))


def _clean_title(raw: str, exclude_id: int | None) -> str:
    title = " ".join(raw.split())
    if not title:
        raise ActionError(N_("the title is empty"))
    if len(title) > MAX_TITLE_CHARS:
        raise ActionError(N_("the title is longer than %(limit)s characters", limit=MAX_TITLE_CHARS))
    if any(unicodedata.category(ch) == "Cc" for ch in title):
        raise ActionError(N_("the title contains a control character"))
    clash = select(CannedResponse.id).where(func.lower(CannedResponse.title) == title.lower())
    if exclude_id is not None:
        clash = clash.where(CannedResponse.id != exclude_id)
    if db.session.scalar(clash) is not None:
        raise ActionError(N_("a canned response titled %(title)s already exists", title=repr(title)))
    return title


def unknown_placeholders(body: str) -> list[str]:
    """Placeholders in `body` that will not be filled, for a warning when saving."""
    return sorted({m.group(1) for m in _PLACEHOLDER.finditer(body)} - set(PLACEHOLDERS))


def create_canned(title: str, body: str, by: User | None) -> CannedResponse:
    canned = CannedResponse(title=_clean_title(title, None), body=clean_text(body, "response", MAX_REPLY_CHARS),
                            active=True, created_by_id=by.id if by is not None else None, created_at=utcnow(), updated_at=utcnow())
    db.session.add(canned)
    _commit_title(canned.title)
    return canned


def _commit_title(title: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:  # the same title saved by another admin at the same moment
        db.session.rollback()
        raise ActionError(N_("a canned response titled %(title)s already exists", title=repr(title))) from None


def update_canned(canned: CannedResponse, title: str, body: str, by: User) -> None:
    title, body = _clean_title(title, canned.id), clean_text(body, "response", MAX_REPLY_CHARS)
    canned.title, canned.body, canned.updated_at = title, body, utcnow()
    _commit_title(canned.title)


def set_canned_active(canned: CannedResponse, active: bool, by: User) -> None:
    """Deactivated responses leave the agents' picker but stay for the record and can come back."""
    canned.active = active
    canned.updated_at = utcnow()
    db.session.commit()


DEMO_CANNED = (
    ("Sorry — we're on it",
     "Hi {customer_name}, sorry about this — we're on it and will update you here as soon as we know more.\n— {agent_name}"),
    ("Please DM us your order number",
     "Hi {customer_name}, so we can look into this without sharing details publicly, please send us your order "
     "number by direct message. Thanks!\n— {agent_name}"),
    ("Fixed — anything else?",
     "Hi {customer_name}, this should be sorted now. Is there anything else we can help with?\n— {agent_name}"),
    ("お詫び（対応中）",
     "{customer_name}様、ご不便をおかけして大変申し訳ございません。現在確認しておりますので、"
     "もうしばらくお待ちください。\n担当：{agent_name}"),
)


def seed_demo_canned() -> int:
    """A few responses for the demo, in English and Japanese, when there are none yet; the agent's name
    signs on its own line, as a person signs a message."""
    if db.session.scalar(select(CannedResponse.id).limit(1)) is not None:
        return 0
    now = utcnow()
    for title, body in DEMO_CANNED:
        db.session.add(CannedResponse(title=title, body=body, active=True, created_at=now, updated_at=now))
    db.session.commit()
    return len(DEMO_CANNED)
