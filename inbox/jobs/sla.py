"""The SLA sweep job: run by the scheduler every minute (see schedule.py)."""
from __future__ import annotations

import logging
from typing import Any

from . import job_context

log = logging.getLogger(__name__)


def sla_sweep() -> dict[str, Any]:
    """Record breaches and warnings, then tell the listeners (webhooks, rules) about each one."""
    from ..tickets.signals import send_now
    from ..tickets.sla.sweep import sweep, swept_signals

    with job_context():
        result = sweep()
        if result.breaches or result.warnings:
            send_now(swept_signals(result.swept_at))
        return {"swept_at": result.swept_at.isoformat(), "breaches": result.breaches,
                "newly_breached": result.newly_breached, "newly_at_risk": result.newly_at_risk}
