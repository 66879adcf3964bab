"""Automatic assignment as a job: after tickets arrive, when an agent comes back, and every minute."""
from __future__ import annotations

from ..assignment.engine import assign_waiting
from .context import job_context


def auto_assign() -> int:
    with job_context():
        return len(assign_waiting())
