"""Export jobs: the weekly sentiment export (scheduled every Monday 06:00 in the workspace's time
zone, see schedule.py) and the same export on demand from the UI."""
from __future__ import annotations

import logging
from typing import Any

from ..voice.export import export_week as write_export
from ..voice.files import export_retention_days, purge_expired_exports
from ..voice.weeks import IsoWeek
from .context import job_context

log = logging.getLogger(__name__)


def export_week(week: str) -> dict[str, Any]:
    """Export one ISO week (`2026-W47`) now."""
    with job_context():
        result = write_export(IsoWeek.parse(week))
        return {"week": str(result.week), "messages": result.messages, "files": [p.name for p in result.files],
                "seconds": round(result.seconds, 2)}


def purge_exports() -> int:
    """Delete stored export files older than their retention; returns how many."""
    with job_context() as app:
        return purge_expired_exports(export_retention_days(app.config["INBOX_EXPORT_RETENTION_DAYS"],
                                                           app.config["RETENTION_DAYS"]))


