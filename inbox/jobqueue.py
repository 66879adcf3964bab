"""The job table: every background job by name, its queue and its retry/timeout policy, and the one way to
enqueue them.

Jobs take ids and plain data, never ORM objects, and let exceptions propagate so RQ's retry and
failed-job registry work. A job is named here once (`JOBS`); callers say `enqueue("deliver_reply",
message_id)` and never spell a dotted path. Periodic jobs are listed in `jobs/schedule.py`.

The table is data (dotted paths), so any floor may queue a job without importing the job's code: the
jobs themselves live in `inbox/jobs/`, one floor above the services that queue them.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job

from .redis_client import get_redis

log = logging.getLogger(__name__)

INGEST_QUEUE = "ingest"
DELIVERY_QUEUE = "delivery"
DEFAULT_QUEUE = "default"
ALL_QUEUES = (INGEST_QUEUE, DELIVERY_QUEUE, DEFAULT_QUEUE)

# Exponential backoff that outlasts a 30-minute database outage (5 s … 10 min, 1 975 s in all);
# a job killed with its worker is requeued by the reaper without using one of these.
OUTAGE_RETRY = (5, 10, 20, 40, 80, 160, 300, 600, 760)
# Webhooks: the receiving end may be down for a day (1 min … 6 h, about 24 h in all).
WEBHOOK_RETRY = (60, 300, 900, 1800, 3600, 7200, 14400, 21600, 21600, 14400)


@dataclass(frozen=True)
class JobPolicy:
    path: str
    queue: str
    timeout: int
    retry: tuple[int, ...] = ()
    result_ttl: int = 500
    failure_ttl: int = 30 * 86400


JOBS: dict[str, JobPolicy] = {
    # a finished ingest job is deleted at once: its arguments are customers' words, which an erasure must reach
    "ingest_batch": JobPolicy("inbox.jobs.ingest.ingest_batch", INGEST_QUEUE, 600, OUTAGE_RETRY, result_ttl=0),
    # a pushed channel's webhook body (LINE), kept by the hook before it answered
    "line_webhook": JobPolicy("inbox.jobs.pushed.ingest_line_webhook", INGEST_QUEUE, 600, OUTAGE_RETRY, result_ttl=0),
    "deliver_reply": JobPolicy("inbox.jobs.delivery.deliver_reply", DELIVERY_QUEUE, 120, (10, 30, 60)),
    "requeue_replies": JobPolicy("inbox.jobs.delivery.requeue_stalled_replies", DEFAULT_QUEUE, 55, result_ttl=300),
    "sla_sweep": JobPolicy("inbox.jobs.sla.sla_sweep", DEFAULT_QUEUE, 55, result_ttl=300, failure_ttl=86400),
    # the breach webhook of earlier releases: a queued job hands its sweep's breaches to the subscriptions
    "breach_webhook": JobPolicy("inbox.jobs.webhooks.deliver_breach_webhook", DELIVERY_QUEUE, 60, (60, 300, 900)),
    "webhook": JobPolicy("inbox.jobs.webhooks.deliver_webhook", DELIVERY_QUEUE, 60, WEBHOOK_RETRY, failure_ttl=7 * 86400),
    "requeue_webhooks": JobPolicy("inbox.jobs.webhooks.requeue_webhooks", DEFAULT_QUEUE, 55, result_ttl=300),
    "auto_assign": JobPolicy("inbox.jobs.assignment.auto_assign", DEFAULT_QUEUE, 120, (5, 30), result_ttl=300),
    "run_rules": JobPolicy("inbox.jobs.automation.run_rules", DEFAULT_QUEUE, 120, OUTAGE_RETRY),
    "run_sla_rules": JobPolicy("inbox.jobs.automation.run_sla_rules", DEFAULT_QUEUE, 120, OUTAGE_RETRY),
    "weekly_export": JobPolicy("inbox.jobs.exports.export_week", DEFAULT_QUEUE, 1800, (60, 300, 900)),
    "purge_exports": JobPolicy("inbox.jobs.exports.purge_exports", DEFAULT_QUEUE, 600, (300, 900, 3600)),
    "retention": JobPolicy("inbox.jobs.privacy.retention_job", DEFAULT_QUEUE, 3600, (300, 900, 3600)),
}

# Job paths of earlier releases: jobs queued before an upgrade still run (see README, "Upgrading").
LEGACY_PATHS: dict[str, str] = {
    "inbox.jobs.ingest_batch": JOBS["ingest_batch"].path,
    "inbox.delivery.deliver_reply": JOBS["deliver_reply"].path,
    "inbox.sla_jobs.sla_sweep_job": JOBS["sla_sweep"].path,
    "inbox.sla_jobs.deliver_breach_webhook": JOBS["breach_webhook"].path,
    "inbox.voice.jobs.scheduled_weekly_export": JOBS["weekly_export"].path,
    "inbox.voice.jobs.export_week_job": JOBS["weekly_export"].path,
    "inbox.privacy.retention.retention_job": JOBS["retention"].path,
}


class InboxJob(Job):
    """RQ's Job, resolving the job paths of earlier releases to where those jobs live now."""

    @property
    def func_name(self) -> str | None:  # type: ignore[override]
        name = Job.func_name.fget(self)  # type: ignore[attr-defined]
        return LEGACY_PATHS.get(name, name) if isinstance(name, str) else name

    @func_name.setter
    def func_name(self, value: str | None) -> None:
        Job.func_name.fset(self, value)  # type: ignore[attr-defined]


def get_queue(name: str = DEFAULT_QUEUE, app: Flask | None = None) -> Queue:
    return Queue(name, connection=get_redis(app), job_class=InboxJob)


def enqueue(name: str, *args: Any, job_id: str | None = None, at: datetime | None = None,
            description: str | None = None, app: Flask | None = None) -> Job | None:
    """Queue job `name` (a key of JOBS) now, or at `at`. With `job_id`, a job of that id that is
    still queued or running is kept and None is returned: booking the same work twice is a no-op."""
    policy = JOBS[name]
    options: dict[str, Any] = {
        "job_timeout": policy.timeout,
        "result_ttl": policy.result_ttl,
        "failure_ttl": policy.failure_ttl,
        "description": description or f"{name}({', '.join(_short(a) for a in args)})",
    }
    if policy.retry:
        options["retry"] = Retry(max=len(policy.retry), interval=list(policy.retry))
    if job_id is not None:
        options["job_id"], options["unique"] = job_id, True
    queue = get_queue(policy.queue, app)
    try:
        if at is None:
            return queue.enqueue(policy.path, *args, **options)
        return queue.enqueue_at(at, policy.path, *args, **options)
    except DuplicateJobError:
        return None


def _short(value: Any) -> str:
    if isinstance(value, list):
        return f"[{len(value)} items]"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
