"""Recorded SLA facts: per-ticket outcomes, breaches and at-risk warnings (once per ticket, target and
deadline) and policy changes."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...timeutil import UtcDateTime, utcnow


class SlaBreach(db.Model):
    __tablename__ = "sla_breaches"
    __table_args__ = (UniqueConstraint("ticket_id", "target", "due_at", name="uq_breach_ticket_target_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    target: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # when the deadline passed (= due_at): what reports count; recorded_at is when a sweep noticed
    breached_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)


class SlaWarning(db.Model):
    """A running clock passed its warning fraction ("at risk"): recorded once per deadline."""

    __tablename__ = "sla_warnings"
    __table_args__ = (UniqueConstraint("ticket_id", "target", "due_at", name="uq_warning_ticket_target_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    target: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    warned_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


RUNNING_SQL = "first_response_state = 'running' OR next_response_state = 'running' OR resolution_state = 'running'"


class SlaOutcome(db.Model):
    """One ticket's SLA story as its replayed clocks tell it: written only by sla.outcomes, after every
    change, so the dashboard and the CSV are SQL aggregates over one row per ticket.

    States: none (no such target) | running | paused | met | missed. A running clock whose due time
    has passed counts as missed wherever it is read (the row need not wait for the sweep)."""

    __tablename__ = "sla_outcomes"
    __table_args__ = (
        Index("ix_sla_outcomes_opened", "opened_at"),
        Index("ix_sla_outcomes_opened_day", "opened_day"),
        # the rows whose clocks may turn missed with time: the one part of the dashboard read live (sla.daily)
        Index("ix_sla_outcomes_running", "opened_at", postgresql_where=text(RUNNING_SQL), sqlite_where=text(RUNNING_SQL),
              postgresql_include=["opened_day", "opened_week", "channel", "assignee_id", "first_response_state",
                                  "first_response_due_at", "next_response_state", "next_response_due_at", "resolution_state",
                                  "resolution_due_at"]),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(nullable=True, index=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_day: Mapped[date] = mapped_column(Date)  # in the workspace's time zone when written
    opened_week: Mapped[str] = mapped_column(String(8))  # ISO week, e.g. 2026-W47
    first_response_state: Mapped[str] = mapped_column(String(8), default="none")
    first_response_missed_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    frt_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    frt_business_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    next_response_met: Mapped[int] = mapped_column(default=0)
    next_response_missed: Mapped[int] = mapped_column(default=0)
    next_response_answered: Mapped[int] = mapped_column(default=0)
    nrt_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # summed over the answered ones
    nrt_business_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    next_response_state: Mapped[str] = mapped_column(String(8), default="none")  # the latest clock
    next_response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolution_state: Mapped[str] = mapped_column(String(8), default="none")
    resolution_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ttr_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    ttr_business_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SlaDailyTotal(db.Model):
    """The outcome rows of one opening day, channel and assignee, summed (sla.daily keeps it): what the
    dashboard adds up instead of reading every ticket. Only what cannot change with the clock is summed;
    a running clock past its due time is counted missed when read (sla.daily.overdue)."""

    __tablename__ = "sla_daily_totals"
    __table_args__ = (Index("ix_sla_daily_totals_day", "opened_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opened_day: Mapped[date] = mapped_column(Date)
    opened_week: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(nullable=True)
    # the first and last opening time summed here: a range that cuts between them reads this day's rows instead
    first_opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tickets: Mapped[int] = mapped_column()
    resolved: Mapped[int] = mapped_column()
    answered: Mapped[int] = mapped_column()
    frt_seconds: Mapped[float] = mapped_column(Float)
    frt_business_seconds: Mapped[float] = mapped_column(Float)
    nrt_count: Mapped[int] = mapped_column()
    nrt_seconds: Mapped[float] = mapped_column(Float)
    nrt_business_seconds: Mapped[float] = mapped_column(Float)
    ttr_seconds: Mapped[float] = mapped_column(Float)
    ttr_business_seconds: Mapped[float] = mapped_column(Float)
    met: Mapped[int] = mapped_column()
    missed: Mapped[int] = mapped_column()  # stopped clocks only


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
