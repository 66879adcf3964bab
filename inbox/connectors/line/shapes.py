"""What a LINE webhook body becomes besides new messages (plain data, importable without the SDK)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..base import InboundMessage, Rejected


@dataclass(frozen=True)
class MessageChange:
    """A stored message the customer took back (`unsent`) or rewrote (`edited`, with the new text)."""

    external_id: str
    change: str
    at: datetime
    event_id: str
    text: str | None = None


@dataclass(frozen=True)
class ContactNote:
    """A customer who followed, unblocked or blocked (LINE's "unfollow") the account."""

    user_id: str
    change: str  # followed | unblocked | blocked
    at: datetime
    event_id: str


@dataclass
class Delivery:
    messages: list[InboundMessage] = field(default_factory=list)
    changes: list[MessageChange] = field(default_factory=list)
    notes: list[ContactNote] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # "postback (no ticket)" ...
    rejected: list[Rejected] = field(default_factory=list)
