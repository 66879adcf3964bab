"""The audit log: who did what to whom, when and from where. Rows are only ever added."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UtcDateTime, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    # the audit page reads newest first, filtered by action or by who acted
    __table_args__ = (
        Index("ix_audit_entries_action_id", "action", "id"),
        Index("ix_audit_entries_actor_id", "actor_id", "id"),
        Index("ix_audit_entries_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(48))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # as it was at the time ("Ann Admin <ann@…>"); for a failed sign-in, the address that was typed
    actor_label: Mapped[str] = mapped_column(String(255), default="")
    target_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    target_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    target_label: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(255), nullable=True)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    actor = relationship("User")
