"""A record of every merge of two contacts, so it can be audited and undone."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UtcDateTime, utcnow


class ContactMerge(db.Model):
    """`source`'s identities and tickets moved to `target`; the lists say exactly what moved."""

    __tablename__ = "contact_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    source_name: Mapped[str] = mapped_column(String(512))
    identity_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    ticket_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(200), default="")
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    merged_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    merged_by = relationship("User", foreign_keys=[merged_by_id])
    undone_by = relationship("User", foreign_keys=[undone_by_id])
