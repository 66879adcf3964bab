"""Channel accounts (one configured connection: a brand's X account, an SMS export folder...) and
the input from them that could not be stored."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UtcDateTime, utcnow

# The channel type picks the SLA policy; the connector kind says how messages are fetched.
CHANNEL_TYPES = ("x", "mastodon", "bluesky", "line", "email", "sms", "phone", "other")


class ChannelAccount(db.Model):
    __tablename__ = "channel_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    connector: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    # ok | rate_limited | needs_attention | error | catching_up (see channels.health)
    status: Mapped[str] = mapped_column(String(24), default="ok")
    status_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    poll_interval_seconds: Mapped[int | None] = mapped_column(nullable=True)
    backoff_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # the newest of its set-aside items an admin has seen on the pipeline page (quarantine.unseen_set_aside)
    set_aside_seen_id: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RejectedMessage(db.Model):
    """A line, item or queued message that could not become a message row, kept with the reason.

    Nothing from outside is dropped silently: a malformed JSONL line, an API item that fails
    validation, or a message the model or the database refused inside an ingest job lands here,
    visible to admins on the pipeline page, with what was received (escaped, capped).
    """

    __tablename__ = "rejected_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("channel_accounts.id", ondelete="SET NULL"), nullable=True, index=True)
    stage: Mapped[str] = mapped_column(String(16))  # fetch | import | ingest
    reference: Mapped[str] = mapped_column(String(512))  # "sms.jsonl line 12", "tweet 1234", "external id abc"
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class UnknownAccount(LookupError):
    pass


def account_by_name(name: str) -> ChannelAccount | None:
    return db.session.scalar(select(ChannelAccount).where(ChannelAccount.name == name))


def get_or_create_account(name: str, connector: str, channel: str, config: dict[str, Any] | None = None) -> tuple[ChannelAccount, bool]:
    if channel not in CHANNEL_TYPES:
        raise ValueError(f"unknown channel type {channel!r}; one of {', '.join(CHANNEL_TYPES)}")
    existing = account_by_name(name)
    if existing is not None:
        return existing, False
    account = ChannelAccount(name=name, connector=connector, channel=channel, config=config or {})
    db.session.add(account)
    db.session.commit()
    return account, True
