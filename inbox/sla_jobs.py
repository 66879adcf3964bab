"""Scheduled SLA work: the minute-by-minute sweep and the breach webhook.

The sweep is a chain of `enqueue_at` jobs run by the worker's built-in RQ scheduler (the same
mechanism as the weekly export): each run books the next minute under a job id derived from that
minute, so workers that all book it leave one job, and a failed run does not break the chain.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import current_app
from rq import Retry
from rq.job import Job
from sqlalchemy import select

from .extensions import db
from .jobs import job_context
from .queue import DEFAULT_QUEUE, DELIVERY_QUEUE, get_queue
from .timeutil import utcnow

log = logging.getLogger(__name__)

SWEEP_FUNC = "inbox.sla_jobs.sla_sweep_job"
WEBHOOK_FUNC = "inbox.sla_jobs.deliver_breach_webhook"
WEBHOOK_SETTING = "sla_webhook_url"


def _next_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def schedule_next_sweep(now: datetime | None = None) -> Job:
    at = _next_minute(now or utcnow())
    return get_queue(DEFAULT_QUEUE).enqueue_at(
        at, SWEEP_FUNC, job_id=f"sla-sweep-{at:%Y%m%d%H%M}", job_timeout=55, result_ttl=300, failure_ttl=86400,
        description=f"sla_sweep({at:%H:%M})",
    )


def sla_sweep_job() -> dict[str, Any]:
    from .tickets.sweep import sweep

    with job_context():
        schedule_next_sweep()
        result = sweep()
        if result.breaches and webhook_url():
            enqueue_breach_webhook(result.swept_at)
        return {"swept_at": result.swept_at.isoformat(), "breaches": result.breaches,
                "newly_breached": result.newly_breached, "newly_at_risk": result.newly_at_risk}


def webhook_url() -> str | None:
    from .tickets.sla_models import AppSetting

    row = db.session.get(AppSetting, WEBHOOK_SETTING)
    return (row.value if row is not None and row.value else None) or current_app.config.get("SLA_WEBHOOK_URL") or None


def enqueue_breach_webhook(swept_at: datetime) -> str:
    job = get_queue(DELIVERY_QUEUE).enqueue(
        WEBHOOK_FUNC, swept_at.isoformat(), retry=Retry(max=3, interval=[10, 30, 60]), job_timeout=60,
        description=f"sla_webhook({swept_at.isoformat()})",
    )
    return job.id


def breach_payload(swept_at: datetime) -> dict[str, Any]:
    from .tickets.models import Ticket
    from .tickets.sla_models import SlaBreach

    rows = db.session.execute(
        select(SlaBreach, Ticket.channel, Ticket.assignee_id, Ticket.subject)
        .join(Ticket, Ticket.id == SlaBreach.ticket_id)
        .where(SlaBreach.breached_at == swept_at)
        .order_by(SlaBreach.id)
    ).all()
    return {
        "event": "sla.breached",
        "swept_at": swept_at.isoformat(),
        "breaches": [
            {"breach_id": b.id, "ticket_id": b.ticket_id, "target": b.target, "due_at": b.due_at.isoformat(),
             "breached_at": b.breached_at.isoformat(), "channel": channel, "assignee_id": assignee, "subject": subject}
            for b, channel, assignee, subject in rows
        ],
    }


def deliver_breach_webhook(swept_at: str) -> int:
    """POST the breaches of one sweep as JSON; a non-2xx answer raises so RQ retries."""
    from .security.outbound import deliver_json

    with job_context():
        url = webhook_url()
        if not url:
            log.info("no SLA webhook configured; dropping delivery for %s", swept_at)
            return 0
        payload = breach_payload(datetime.fromisoformat(swept_at).astimezone(timezone.utc))
        status = deliver_json(url, payload, timeout=10, headers={"User-Agent": "Inbox-SLA/1"})  # refuses internal addresses
        log.info("SLA webhook: %d breach(es) delivered to %s (%s)", len(payload["breaches"]), url, status)
        return len(payload["breaches"])
