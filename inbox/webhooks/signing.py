"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" with the subscription's secret.

The timestamp is inside what is signed, so a receiver that refuses old timestamps also refuses a
captured request replayed later. docs/api.md shows the receiving side; tests run that snippet."""
from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Inbox-Signature"
TIMESTAMP_HEADER = "Inbox-Timestamp"
EVENT_ID_HEADER = "Inbox-Event-Id"
EVENT_TYPE_HEADER = "Inbox-Event"
VERSION = "v1"


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{VERSION}={mac.hexdigest()}"


def signed_headers(secret: str, timestamp: int, body: bytes, event_id: str, event_type: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Inbox-Webhooks/1",
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
