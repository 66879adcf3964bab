"""Input that could not be stored as a message, kept with its reason for an admin to read."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import func, select, update

from ..connectors.base import Rejected
from ..extensions import db
from .models import ChannelAccount, RejectedMessage

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


@dataclass(frozen=True)
class SetAside:
    """What an account set aside since an admin last had the pipeline page in front of them."""

    count: int
    last: RejectedMessage

    def note(self) -> str:
        return f"{self.count} item(s) set aside; last: {self.last.reference}: {self.last.reason}"[:500]


def unseen_set_aside(account: ChannelAccount) -> SetAside | None:
    """Items of this account set aside after its seen mark: the note stays, poll after poll, until the
    pipeline page shows them (mark_set_aside_seen)."""
    newer = [RejectedMessage.account_id == account.id]
    if account.set_aside_seen_id is not None:
        newer.append(RejectedMessage.id > account.set_aside_seen_id)
    count = int(db.session.scalar(select(func.count()).select_from(RejectedMessage).where(*newer)) or 0)
    if not count:
        return None
    last = db.session.scalar(select(RejectedMessage).where(*newer).order_by(RejectedMessage.id.desc()).limit(1))
    return SetAside(count, last) if last is not None else None


def mark_set_aside_seen(rows: Iterable[RejectedMessage]) -> None:
    """The pipeline page showed these rows: each account's note no longer counts them (and nothing
    older). Commits; a mark never moves back."""
    newest: dict[int, int] = {}
    for row in rows:
        if row.account_id is not None:
            newest[row.account_id] = max(newest.get(row.account_id, 0), row.id)
    for account_id, seen in newest.items():
        db.session.execute(update(ChannelAccount).where(
            ChannelAccount.id == account_id,
            (ChannelAccount.set_aside_seen_id.is_(None)) | (ChannelAccount.set_aside_seen_id < seen))
            .values(set_aside_seen_id=seen).execution_options(synchronize_session=False))
    if newest:
        db.session.commit()
