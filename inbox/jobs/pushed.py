"""The `line_webhook` job: a webhook body the hook kept on the queue, turned into stored messages.

The hook answered LINE only after this job was safely in Redis; here the body is read event by
event (inbox.connectors.line), each message completed with its author's profile (cached a day in
Redis) and its media, then stored by `ingest_batch` exactly as a polled batch is. Unsent and edited
messages, follows and blocks are written after the batch, so an unsend in the same body as its
message finds it. Everything is idempotent (message ids, webhookEventIds): a redelivered body, or
this job retried after a crash, changes nothing the second time.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from redis.exceptions import RedisError

from ..channels.models import ChannelAccount
from ..channels.pushed import apply_message_changes, note_contacts, save_profiles, set_aside_body
from ..channels.quarantine import quarantine
from ..connectors.base import ConnectorError, connector_for
from ..connectors.line import LineConnector, Profile
from ..extensions import db
from ..redis_client import get_redis
from ..security.outbound import current_allowlist
from .context import job_context
from .ingest import ingest_batch

log = logging.getLogger(__name__)

PROFILE_TTL_SECONDS = 86_400  # refreshed daily


def _profile_key(account_id: int, user_id: str, group_id: str | None, room_id: str | None) -> str:
    return f"inbox:line:profile:{account_id}:{group_id or room_id or '-'}:{user_id}"


class CachedProfiles:
    """Profiles through a Redis cache of a day; LINE asked once per customer a day, not per message."""

    def __init__(self, account_id: int, connector: LineConnector) -> None:
        self.account_id = account_id
        self.connector = connector
        self.seen: dict[str, dict[str, Any]] = {}

    def __call__(self, user_id: str, group_id: str | None, room_id: str | None) -> Profile | None:
        key = _profile_key(self.account_id, user_id, group_id, room_id)
        try:
            cached = get_redis().get(key)
        except RedisError:
            cached = None
        if cached:
            try:
                profile = Profile.from_dict(json.loads(cached))
            except (ValueError, KeyError, TypeError):
                profile = None
            if profile is not None:
                self.seen[user_id] = profile.to_dict()
                return profile
        try:
            profile = self.connector.profile(user_id, group_id, room_id)
        except ConnectorError as exc:  # the message is kept, named by its user id until the next delivery
            log.warning("account %s: no LINE profile for %s: %s", self.account_id, user_id, exc)
            return None
        if profile is not None:
            self.seen[user_id] = profile.to_dict()
            try:
                get_redis().set(key, json.dumps(profile.to_dict()), ex=PROFILE_TTL_SECONDS)
            except RedisError:
                pass
        return profile


def ingest_line_webhook(account_id: int, body: str) -> dict[str, Any]:
    with job_context():
        account = db.session.get(ChannelAccount, account_id)
        if account is None:
            set_aside_body(None, f"LINE webhook for account {account_id}", "the channel account no longer exists",
                           body.encode("utf-8", "replace"))
            return {"stored": 0, "set_aside": 1}
        try:
            data = json.loads(body)
        except ValueError:
            set_aside_body(account_id, "LINE webhook body", "the body is not JSON", body.encode("utf-8", "replace"))
            return {"stored": 0, "set_aside": 1}
        connector = connector_for(account, allowlist=current_allowlist())
        if not isinstance(connector, LineConnector) or not isinstance(data, dict):
            set_aside_body(account_id, "LINE webhook body", "not a LINE webhook body for a LINE account", body.encode("utf-8", "replace"))
            return {"stored": 0, "set_aside": 1}
        profiles = CachedProfiles(account_id, connector)
        delivery = connector.read_delivery(data, profile_of=profiles)
        db.session.rollback()  # no transaction stays open across the network calls above
        stored = ingest_batch(account_id, [m.to_payload() for m in delivery.messages]) if delivery.messages else {}
        account = db.session.get(ChannelAccount, account_id)
        names = {user: p["display_name"] for user, p in profiles.seen.items()}
        changed = apply_message_changes(account, delivery.changes)
        noted = note_contacts(account, delivery.notes, names)
        save_profiles(account, profiles.seen)
        if delivery.rejected:
            quarantine(account_id, "webhook", delivery.rejected)
        db.session.commit()
        log.info("account %s: LINE webhook: %d message(s), %s, %s, %d without ticket, %d set aside", account.name,
                 len(delivery.messages), changed or "no change", noted or "no contact note", len(delivery.ignored),
                 len(delivery.rejected))
        return {"messages": len(delivery.messages), "stored": stored.get("stored", 0),
                "duplicates": stored.get("duplicates", 0), "changes": changed, "notes": noted,
                "ignored": delivery.ignored, "set_aside": len(delivery.rejected)}
