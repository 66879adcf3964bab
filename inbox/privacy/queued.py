"""An erased customer's messages still waiting in the ingest queue: queued, scheduled for a retry, or
failed and kept for a retry by hand. They are taken out of those jobs, so that no retry brings them
back after the erasure and Redis keeps none of their words. (A finished ingest job keeps nothing:
its policy deletes it at once, see inbox.jobqueue.)"""
from __future__ import annotations

import logging
from typing import Any, Iterable

from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select

from ..channels.models import ChannelAccount
from ..extensions import db
from ..jobqueue import INGEST_QUEUE, JOBS, InboxJob, get_queue

log = logging.getLogger(__name__)


def _job_ids() -> list[str]:
    queue = get_queue(INGEST_QUEUE)
    ids = list(queue.get_job_ids())
    for registry in (ScheduledJobRegistry, FailedJobRegistry):
        ids += registry(INGEST_QUEUE, connection=queue.connection, job_class=InboxJob).get_job_ids()
    return list(dict.fromkeys(ids))


def _author(payload: Any) -> str | None:
    author = payload.get("author") if isinstance(payload, dict) else None
    return author.get("external_id") if isinstance(author, dict) else None


def erase_queued_messages(authors: Iterable[tuple[str, str]]) -> int:
    """Take the messages of these (channel, external id) accounts out of waiting ingest jobs; a job
    left with none is deleted. Returns how many messages were taken out (0 when Redis is away: logged)."""
    wanted = set(authors)
    if not wanted:
        return 0
    channel_of = {row.id: row.channel for row in db.session.execute(select(ChannelAccount.id, ChannelAccount.channel))}
    removed = 0
    try:
        connection = get_queue(INGEST_QUEUE).connection
        for job_id in _job_ids():
            try:
                job = InboxJob.fetch(job_id, connection=connection)
            except NoSuchJobError:
                continue
            if job.func_name != JOBS["ingest_batch"].path or len(job.args) != 2:
                continue
            account_id, payloads = job.args
            channel = channel_of.get(account_id)
            kept = [p for p in payloads if (channel, _author(p)) not in wanted]
            if len(kept) == len(payloads):
                continue
            removed += len(payloads) - len(kept)
            if kept:
                job.args = (account_id, kept)
                job.save()
            else:
                job.delete(remove_from_queue=True)
    except RedisError as exc:
        log.error("ingest jobs not checked for an erased customer's messages (Redis unavailable): %s", exc)
    return removed
