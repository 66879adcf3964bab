"""RQ jobs of the weekly export, and its schedule: every Monday 06:00 in the workspace's time zone.

RQ's own cron runs in a separate process and reads cron fields in the server's local time, not the
workspace's; so each run is an `enqueue_at` job (run by the worker's built-in scheduler) that first
books the next Monday. The job id names the exported week, which makes booking idempotent across
several workers and restarts.
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from rq import Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job

from ..queue import DEFAULT_QUEUE, get_queue
from ..timeutil import utcnow
from .weeks import IsoWeek, next_weekly_run, previous_week

log = logging.getLogger(__name__)

RUN_WEEKDAY = 0  # Monday
RUN_AT = time(6)
JOB_TIMEOUT = 1800
SCHEDULED_FUNC = "inbox.voice.jobs.scheduled_weekly_export"


def scheduled_job_id(week: IsoWeek) -> str:
    return f"inbox-weekly-export-{week}"


def workspace_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["INBOX_TIMEZONE"])


def _book(week: IsoWeek, at: datetime | None) -> Job | None:
    """Queue the export of `week` at `at` (now when None); None if that week's job already exists."""
    queue = get_queue(DEFAULT_QUEUE)
    options: dict[str, Any] = dict(
        job_id=scheduled_job_id(week), unique=True, job_timeout=JOB_TIMEOUT, retry=Retry(max=3, interval=[60, 300, 900]),
        description=f"weekly export {week}",
    )
    try:
        if at is None:
            return queue.enqueue(SCHEDULED_FUNC, str(week), **options)
        return queue.enqueue_at(at, SCHEDULED_FUNC, str(week), **options)
    except DuplicateJobError:
        return None


def schedule_next_weekly_export(now: datetime | None = None) -> Job | None:
    """Book the next Monday-06:00 run (which exports the week that has just ended then)."""
    zone = workspace_zone()
    at = next_weekly_run(now or utcnow(), zone, RUN_WEEKDAY, RUN_AT)
    week = previous_week(at, zone)
    job = _book(week, at)
    if job is not None:
        log.info("weekly export of %s scheduled for %s", week, at.isoformat())
    return job


def ensure_weekly_export_scheduled(now: datetime | None = None) -> list[Job]:
    """Called at worker start: book the next run, and run a missed one at once.

    The embedded Redis keeps nothing across restarts, and a machine may be off on Monday morning,
    so a week whose files are missing after its run time is exported now.
    """
    from .export import export_dir, file_name

    now = now or utcnow()
    zone = workspace_zone()
    booked = [job for job in [schedule_next_weekly_export(now)] if job is not None]
    last_run = next_weekly_run(now - timedelta(days=7), zone, RUN_WEEKDAY, RUN_AT)
    if last_run <= now:
        missed = previous_week(last_run, zone)
        if not (export_dir() / file_name(missed, "summary")).exists():
            job = _book(missed, None)
            if job is not None:
                log.info("weekly export of %s was missed; running it now", missed)
                booked.append(job)
    return booked


def scheduled_weekly_export(week: str) -> dict[str, Any]:
    """The Monday job. Books next week first, so a failing export never ends the weekly chain."""
    from ..jobs import job_context

    with job_context():
        schedule_next_weekly_export()
        return export_week_job(week)


def export_week_job(week: str) -> dict[str, Any]:
    """Export one week now (the UI's "export now" button, and the Monday job)."""
    from ..jobs import job_context
    from .export import export_week

    with job_context():
        result = export_week(IsoWeek.parse(week))
        return {"week": str(result.week), "messages": result.messages, "files": [p.name for p in result.files],
                "seconds": round(result.seconds, 2)}


def enqueue_export(week: IsoWeek) -> str:
    """On demand from the UI; returns the RQ job id."""
    job = get_queue(DEFAULT_QUEUE).enqueue(
        "inbox.voice.jobs.export_week_job", str(week), job_timeout=JOB_TIMEOUT, description=f"weekly export {week} (on demand)",
    )
    return job.id
