"""Outgoing webhooks: one signed POST per delivery, retried by RQ with backoff for about a day.

Every attempt is written to the delivery's history (HTTP status, duration, error) for the admin's
delivery log. A target the outbound guard refuses (an internal address not on the allow-list) is
not retried: the delivery fails at once with the reason."""
from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import urllib3

from ..extensions import db
from ..jobqueue import JOBS
from ..security.outbound import DeliveryFailed, OutboundRefused, post_body
from ..tickets.hooks import send
from ..tickets.signals import sla_breached
from ..tickets.sla.sweep import swept_signals
from ..timeutil import utcnow
from ..webhooks.dispatch import requeue_pending
from ..webhooks.models import WebhookDelivery
from ..webhooks.signing import signed_headers
from .context import job_context
from .periodic import waiting_out_outage

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_ERROR_CHARS = 500


def _attempt(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
    """(HTTP status, error); the error is None only for a 2xx answer."""
    try:
        response = post_body(url, body, timeout=TIMEOUT_SECONDS, headers=headers)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return None, f"no answer: {exc}"[:MAX_ERROR_CHARS]
    if 200 <= response.status < 300:
        return response.status, None
    return response.status, f"answered {response.status}"


def deliver_webhook(delivery_id: int) -> dict[str, Any]:
    with job_context():
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.state in ("delivered", "failed", "replaced"):
            return {"delivery_id": delivery_id, "state": delivery.state if delivery else "gone"}
        subscription = delivery.subscription
        now = utcnow()
        if not subscription.active:
            delivery.state, delivery.error = "failed", "the subscription was turned off"
            db.session.commit()
            return {"delivery_id": delivery_id, "state": "failed"}
        body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
        timestamp = int(time.time())
        headers = signed_headers(subscription.secret, timestamp, body, delivery.event_id, delivery.event_type)
        started = time.monotonic()
        refused = False
        try:
            status, error = _attempt(subscription.url, body, headers)
        except OutboundRefused as exc:
            status, error, refused = None, f"refused: {exc}"[:MAX_ERROR_CHARS], True
        duration = int((time.monotonic() - started) * 1000)
        # an admin may have redelivered the event during this attempt: then this row sends nothing more
        db.session.refresh(delivery, with_for_update=True)
        replaced = delivery.state == "replaced"
        delivery.attempts += 1
        delivery.response_code, delivery.duration_ms, delivery.last_attempt_at = status, duration, now
        delivery.error = delivery.error if replaced else error
        delivery.history = [*(delivery.history or []), {"at": now.isoformat(), "status": status, "duration_ms": duration,
                                                         "error": error}]
        retry = JOBS["webhook"].retry
        if replaced:
            delivery.next_attempt_at = None
        elif error is None:
            delivery.state, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        elif refused or delivery.attempts > len(retry):
            delivery.state, delivery.next_attempt_at = "failed", None
        else:
            delivery.state = "retrying"
            delivery.next_attempt_at = now + timedelta(seconds=retry[delivery.attempts - 1])
        db.session.commit()
        result = {"delivery_id": delivery_id, "state": delivery.state, "status": status, "attempts": delivery.attempts}
        if error is not None and not refused and not replaced:
            log.info("webhook delivery %s to %s: %s", delivery_id, subscription.name, error)
            raise DeliveryFailed(error)  # RQ retries it (WEBHOOK_RETRY) or records the final failure
        return result


def requeue_webhooks() -> Any:
    """Deliveries whose job was lost with Redis; a database outage is waited out (periodic.py)."""
    with job_context():
        return waiting_out_outage("requeue_webhooks", requeue_pending)


def deliver_breach_webhook(swept_at: str) -> int:
    """A job queued before webhooks became subscriptions: that sweep's breaches go to the subscriptions
    of "sla.breached" like any new breach."""
    with job_context():
        signals = [s for s in swept_signals(datetime.fromisoformat(swept_at).astimezone(UTC)) if s.type == sla_breached.name]
        send(signals)
        return len(signals)
