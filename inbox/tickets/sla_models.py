"""Recorded SLA facts: breaches (once per ticket, target and due time), notifications, policy changes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UtcDateTime, utcnow


class SlaBreach(db.Model):
    __tablename__ = "sla_breaches"
    __table_args__ = (UniqueConstraint("ticket_id", "target", "due_at", name="uq_breach_ticket_target_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    target: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    breached_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


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
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SlaPolicyChange(db.Model):
    """Who replaced which policy version with which, and what changed; policy rows are never edited."""

    __tablename__ = "sla_policy_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    previous_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"), nullable=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"), nullable=True)
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id"), nullable=True)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    changed_by = relationship("User")


class AppSetting(db.Model):
    """Installation-wide settings an admin edits in the UI (the SLA webhook URL)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
