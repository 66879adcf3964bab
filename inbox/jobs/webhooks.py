"""Outgoing webhooks: the SLA breach notice, posted as JSON and retried by RQ with backoff."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from . import job_context

log = logging.getLogger(__name__)

WEBHOOK_SETTING = "sla_webhook_url"


def webhook_url() -> str | None:
    from ..tickets.sla.models import AppSetting

    row = db.session.get(AppSetting, WEBHOOK_SETTING)
    return (row.value if row is not None and row.value else None) or current_app.config.get("SLA_WEBHOOK_URL") or None


def breach_payload(swept_at: datetime) -> dict[str, Any]:
    from ..links import external_url
    from ..tickets.models import Ticket
    from ..tickets.sla.models import SlaBreach

    rows = db.session.execute(
        select(SlaBreach, Ticket.channel, Ticket.assignee_id, Ticket.subject)
        .join(Ticket, Ticket.id == SlaBreach.ticket_id)
        .where(SlaBreach.recorded_at == swept_at)
        .order_by(SlaBreach.id)
    ).all()
    return {
        "event": "sla.breached",
        "swept_at": swept_at.isoformat(),
        "breaches": [
            {"breach_id": b.id, "ticket_id": b.ticket_id, "target": b.target, "due_at": b.due_at.isoformat(),
             "breached_at": b.breached_at.isoformat(), "channel": channel, "assignee_id": assignee, "subject": subject,
             "ticket_url": external_url("web.ticket", ticket_id=b.ticket_id)}
            for b, channel, assignee, subject in rows
        ],
    }


def deliver_breach_webhook(swept_at: str) -> int:
    """POST the breaches of one sweep as JSON; a non-2xx answer raises so RQ retries."""
    from ..security.outbound import deliver_json

    with job_context():
        url = webhook_url()
        if not url:
            log.info("no SLA webhook configured; dropping delivery for %s", swept_at)
            return 0
        payload = breach_payload(datetime.fromisoformat(swept_at).astimezone(timezone.utc))
        status = deliver_json(url, payload, timeout=10, headers={"User-Agent": "Inbox-SLA/1"})  # refuses internal addresses
        log.info("SLA webhook: %d breach(es) delivered to %s (%s)", len(payload["breaches"]), url, status)
        return len(payload["breaches"])
