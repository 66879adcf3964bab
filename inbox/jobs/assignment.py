"""Automatic assignment as a job: after tickets arrive, when an agent comes back, and every minute."""
from __future__ import annotations

from typing import Any

from ..assignment.engine import assign_waiting
from .context import job_context
from .periodic import waiting_out_outage


def auto_assign() -> Any:
    """How many tickets were handed out; a database outage is waited out (periodic.py)."""
    with job_context():
        return waiting_out_outage("auto_assign", lambda: len(assign_waiting()))
