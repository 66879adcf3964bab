"""Export jobs: the weekly sentiment export (scheduled every Monday 06:00 in the workspace's time
zone, see schedule.py) and the same export on demand from the UI."""
from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from ..jobqueue import enqueue
from .context import job_context

log = logging.getLogger(__name__)


def workspace_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["INBOX_TIMEZONE"])


def export_week(week: str) -> dict[str, Any]:
    """Export one ISO week (`2026-W47`) now."""
    from ..voice.export import export_week as write_export
    from ..voice.weeks import IsoWeek

    with job_context():
        result = write_export(IsoWeek.parse(week))
        return {"week": str(result.week), "messages": result.messages, "files": [p.name for p in result.files],
                "seconds": round(result.seconds, 2)}


def purge_exports() -> int:
    """Delete stored export files older than their retention; returns how many."""
    from ..voice.files import export_retention_days, purge_expired_exports

    with job_context() as app:
        return purge_expired_exports(export_retention_days(app.config["INBOX_EXPORT_RETENTION_DAYS"],
                                                           app.config["RETENTION_DAYS"]))


def enqueue_export(week: Any) -> str:
    """On demand from the UI; returns the RQ job id. Raises RedisError when the queue is away."""
    job = enqueue("weekly_export", str(week), description=f"weekly export {week} (on demand)")
    assert job is not None  # no job id given, so never a duplicate
    return job.id
