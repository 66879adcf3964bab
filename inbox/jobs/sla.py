"""The SLA sweep job: run by the scheduler every minute (see schedule.py)."""
from __future__ import annotations

import logging
from typing import Any

from ..tickets.sla.sweep import sweep
from .context import job_context
from .periodic import waiting_out_outage

log = logging.getLogger(__name__)


def sla_sweep() -> Any:
    """Record breaches and warnings (the listeners hear of each once the sweep is committed); a
    database outage is waited out (periodic.py)."""
    with job_context():
        return waiting_out_outage("sla_sweep", _sweep)


def _sweep() -> dict[str, Any]:
    result = sweep()
    return {"swept_at": result.swept_at.isoformat(), "breaches": result.breaches,
            "newly_breached": result.newly_breached, "newly_at_risk": result.newly_at_risk}
