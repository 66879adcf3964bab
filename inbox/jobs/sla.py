"""The SLA sweep job: run by the scheduler every minute (see schedule.py)."""
from __future__ import annotations

import logging
from typing import Any

from . import enqueue, job_context

log = logging.getLogger(__name__)


def sla_sweep() -> dict[str, Any]:
    from ..tickets.sla.sweep import sweep
    from .webhooks import webhook_url

    with job_context():
        result = sweep()
        if result.breaches and webhook_url():
            enqueue("breach_webhook", result.swept_at.isoformat(), description=f"sla_webhook({result.swept_at.isoformat()})")
        return {"swept_at": result.swept_at.isoformat(), "breaches": result.breaches,
                "newly_breached": result.newly_breached, "newly_at_risk": result.newly_at_risk}
