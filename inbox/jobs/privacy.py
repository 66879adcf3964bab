"""Privacy jobs: retention, the daily erasure of resolved tickets' personal data (off unless
INBOX_RETENTION_DAYS is set)."""
from __future__ import annotations

from datetime import timedelta

from ..privacy.retention import erase_resolved_before, retention_days
from ..timeutil import utcnow
from .context import job_context


def retention_job() -> dict[str, int | None]:
    """The daily scheduled job (the lead's schedule table books it): a no-op while retention is off."""
    with job_context():
        days = retention_days()
        if days is None:
            return {"retention_days": None, "tickets": 0, "contacts": 0}
        result = erase_resolved_before(utcnow() - timedelta(days=days))
        return {"retention_days": days, "tickets": result.tickets, "contacts": result.contacts}
