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


def _storable(text: str, limit: int) -> str:
    """Anything a database column takes: no NUL, no lone surrogate, capped."""
    text = text.replace("\x00", "\\x00")[:limit]
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def quarantine(account_id: int | None, stage: str, rejected: Iterable[Rejected]) -> int:
    """Add one row per rejected item to the current transaction (the caller commits)."""
    rows = [
        RejectedMessage(account_id=account_id, stage=stage, reference=_storable(item.reference, 500),
                        reason=_storable(item.reason, 2000), payload=_storable(item.payload, MAX_PAYLOAD_CHARS))
        for item in rejected
    ]
    db.session.add_all(rows)
    return len(rows)


def recent_rejections(limit: int = 100, account_id: int | None = None) -> list[RejectedMessage]:
    query = select(RejectedMessage).order_by(RejectedMessage.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(RejectedMessage.account_id == account_id)
    return list(db.session.scalars(query))


def rejection_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(RejectedMessage)) or 0)
