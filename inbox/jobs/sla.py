"""The SLA sweep job: run by the scheduler every minute (see schedule.py)."""
from __future__ import annotations

import logging
from typing import Any

from ..tickets.sla.sweep import sweep
from .context import job_context

log = logging.getLogger(__name__)


def sla_sweep() -> dict[str, Any]:
    """Record breaches and warnings (the listeners hear of each once the sweep is committed)."""
    with job_context():
        result = sweep()
        return {"swept_at": result.swept_at.isoformat(), "breaches": result.breaches,
                "newly_breached": result.newly_breached, "newly_at_risk": result.newly_at_risk}
