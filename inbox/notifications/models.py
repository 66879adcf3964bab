"""In-app notices for one person: what the bell in the top bar counts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UtcDateTime, utcnow


class Notification(db.Model):
    """An in-app notice for one user (the bell in the top bar)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # plain ids, no foreign keys: the sweep inserts thousands at once and the per-row key checks
    # were most of its time; a notification only links to a page
    ticket_id: Mapped[int | None] = mapped_column(nullable=True)
    breach_id: Mapped[int | None] = mapped_column(nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    # the English sentence (logs, rows from before); pages say it from kind + ticket_id, target, actor_id
    text: Mapped[str] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(String(32), nullable=True)
    actor_id: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
