"""Input that could not be stored as a message, kept with its reason for an admin to read."""
from __future__ import annotations

import logging
from typing import Iterable

from sqlalchemy import func, select

from ..connectors.base import Rejected
from ..extensions import db
from .models import RejectedMessage

log = logging.getLogger(__name__)

MAX_PAYLOAD_CHARS = 64_000
LOOKUP_CHUNK = 500


def _storable(text: str, limit: int) -> str:
    """Anything a database column takes: no NUL, no lone surrogate, capped."""
    text = text.replace("\x00", "\\x00")[:limit]
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def quarantine(account_id: int | None, stage: str, rejected: Iterable[Rejected]) -> int:
    """Add one row per rejected item to the current transaction (the caller commits); returns how many.

    An item already set aside (same account, stage, place, reason and content) is not added again:
    the same mailbox imported twice, or a file read again from its start, lists each bad item once."""
    items = list(dict.fromkeys(
        (_storable(item.reference, 500), _storable(item.reason, 2000), _storable(item.payload, MAX_PAYLOAD_CHARS))
        for item in rejected))
    known = _already_set_aside(account_id, stage, sorted({reference for reference, _reason, _payload in items}))
    rows = [RejectedMessage(account_id=account_id, stage=stage, reference=reference, reason=reason, payload=payload)
            for reference, reason, payload in items if (reference, reason, payload) not in known]
    db.session.add_all(rows)
    return len(rows)


def _already_set_aside(account_id: int | None, stage: str, references: list[str]) -> set[tuple[str, str, str]]:
    account = RejectedMessage.account_id.is_(None) if account_id is None else RejectedMessage.account_id == account_id
    known: set[tuple[str, str, str]] = set()
    for start in range(0, len(references), LOOKUP_CHUNK):
        known.update(tuple(row) for row in db.session.execute(
            select(RejectedMessage.reference, RejectedMessage.reason, RejectedMessage.payload)
            .where(account, RejectedMessage.stage == stage, RejectedMessage.reference.in_(references[start:start + LOOKUP_CHUNK]))))
    return known


def recent_rejections(limit: int = 100, account_id: int | None = None) -> list[RejectedMessage]:
    query = select(RejectedMessage).order_by(RejectedMessage.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(RejectedMessage.account_id == account_id)
    return list(db.session.scalars(query))


def rejection_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(RejectedMessage)) or 0)
