"""Sending agents' replies: the `deliver_reply` RQ job, for any connector.

A reply is posted at most once. The job claims the message by moving it from "sending" to
"posting" in one conditional UPDATE before calling the network and records the network's id right
after. A failure that proves nothing went out (5xx, rate limit, connection refused) puts it back to
"sending" and lets RQ retry; a job that finds a message still "posting" cannot know whether the
post went out (the worker died mid-call), so it marks it failed instead of posting again.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import requests
from redis.exceptions import RedisError
from rq import get_current_job
from sqlalchemy import select, update

from ..channels.conversations import StoredConversations
from ..channels.models import ChannelAccount
from ..connectors.base import ConnectorError, NeedsAttention, RateLimited, SendRejected, UnsupportedOperation, connector_for
from ..extensions import db
from ..jobqueue import enqueue
from ..security.outbound import current_allowlist
from ..tickets.events import EventType
from ..tickets.hooks import ROWS_REPORTED
from ..tickets.models import Message, Ticket, TicketEvent
from ..tickets.signals import TicketSignal
from ..timeutil import utcnow
from ..translatable import N_
from .context import job_context
from .periodic import waiting_out_outage

log = logging.getLogger(__name__)

# a reply still "sending" this long after it was written has no job (Redis was away): queue it again
STALLED_AFTER = timedelta(minutes=1)


def delivery_job_id(message_id: int, attempt: int = 0) -> str:
    return f"deliver-reply-{message_id}" + (f"-retry-{attempt}" if attempt else "")


def enqueue_delivery(message_id: int, attempt: int = 0) -> str | None:
    """Queue the reply's delivery once per attempt: while a job for it is queued, running or waiting to
    retry, asking again changes nothing. Returns the job id, or None when one was already there."""
    job = enqueue("deliver_reply", message_id, job_id=delivery_job_id(message_id, attempt),
                  description=f"deliver_reply(message={message_id})")
    return job.id if job is not None else None


WAITING_FOR_QUEUE = N_("waiting to be sent: the job queue is unavailable; it goes out when the queue is back")


def queue_delivery(_sender: Any, event: TicketSignal) -> None:
    """Receiver of `reply_queued`: one delivery job per attempt (asking twice changes nothing)."""
    message_id = event.data.get("message_id")
    if not isinstance(message_id, int):
        return
    try:
        enqueue_delivery(message_id, attempt=int(event.data.get("attempt") or 0))
    except RedisError as exc:
        # the reply is safe in the database; the delivery job is queued once Redis is back (requeue_replies)
        log.warning("delivery of message %s waits for Redis: %s", message_id, exc)
        message = db.session.get(Message, message_id)
        if message is not None and message.delivery_state == "sending":
            message.delivery_error = WAITING_FOR_QUEUE
            db.session.commit()


def requeue_stalled_replies() -> Any:
    """Every minute: replies written while Redis was away are queued once it is back; a database
    outage is waited out (periodic.py)."""
    with job_context():
        return waiting_out_outage("requeue_replies", _requeue_stalled)


def _requeue_stalled() -> int:
    cutoff = utcnow() - STALLED_AFTER
    stalled = list(db.session.scalars(
        select(Message.id).where(Message.delivery_state == "sending", Message.received_at < cutoff).order_by(Message.id).limit(500)
    ))
    queued = 0
    for message_id in stalled:
        message = db.session.get(Message, message_id)
        attempt = int(((message.raw or {}).get("delivery") or {}).get("retry_attempt") or 0) if message else 0
        if enqueue_delivery(message_id, attempt) is not None:
            queued += 1
    if queued:
        log.info("queued %d reply delivery job(s) that had none", queued)
    return queued


def _last_attempt() -> bool:
    job = get_current_job()
    return job is not None and not job.retries_left


def _delivery(message: Message) -> dict[str, Any]:
    return dict((message.raw or {}).get("delivery") or {})


def _save_delivery(message: Message, **changes: Any) -> None:
    message.raw = {**(message.raw or {}), "delivery": {**_delivery(message), **changes}}


def _record(message: Message, outcome: str, at: Any, **data: Any) -> None:
    """The delivery's outcome on the ticket's history: a delivered reply stops the SLA clocks, at the
    moment the network accepted it; a survey invitation or a failure stops nothing."""
    if message.ticket_id is None:
        return
    purpose = _delivery(message).get("purpose", "reply")
    kind = {"delivered": EventType.SURVEY_DELIVERED if purpose == "survey" else EventType.REPLY_DELIVERED,
            "failed": EventType.REPLY_FAILED}[outcome]
    db.session.add(TicketEvent(ticket_id=message.ticket_id, type=kind, at=at, actor_id=message.sent_by_id,
                               data={"message_id": message.id, "purpose": purpose, **data}))


def _fail(message: Message, reason: str) -> dict[str, Any]:
    now = utcnow()
    message.delivery_state, message.delivery_error = "failed", reason[:2000]
    _save_delivery(message, failed_at=now.isoformat())
    _record(message, "failed", now, error=reason[:300])
    db.session.commit()
    log.warning("reply %s failed: %s", message.id, reason)
    return {"message_id": message.id, "state": "failed", "error": message.delivery_error}


def _claim(message_id: int) -> bool:
    """Atomically move the reply from "sending" to "posting"; only one job ever wins."""
    result = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.delivery_state == "sending")
        .values(delivery_state="posting")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _record_sent(message: Message, account: ChannelAccount, external_id: str, permalink: str | None,
                 notes: dict[str, Any] | None = None) -> None:
    # the poller may already have ingested our own post (e.g. a DM event) under the same id
    twin = db.session.scalar(
        select(Message).where(Message.account_id == account.id, Message.external_id == external_id, Message.id != message.id)
    )
    if twin is not None:
        if twin.ticket_id is not None:
            db.session.execute(update(Ticket).where(Ticket.id == twin.ticket_id)
                               .values(message_count=Ticket.message_count - 1)
                               .execution_options(synchronize_session=False, **{ROWS_REPORTED: True}))
        db.session.delete(twin)
        db.session.flush()
    sent_at = utcnow()
    message.external_id = external_id
    message.url = permalink
    message.delivery_state, message.delivery_error = "sent", None
    _save_delivery(message, posted_id=external_id, sent_at=sent_at.isoformat())
    _record(message, "delivered", sent_at, external_id=external_id, **{k: v for k, v in (notes or {}).items() if k == "via"})


def deliver_reply(message_id: int) -> dict[str, Any]:
    """Send one queued reply through its account's connector."""
    with job_context():
        message = db.session.get(Message, message_id)
        if message is None:
            raise LookupError(f"message {message_id} no longer exists")
        if message.delivery_state == "sent" or _delivery(message).get("posted_id"):
            return {"message_id": message.id, "state": "sent", "external_id": message.external_id}
        if message.delivery_state == "failed":
            return {"message_id": message.id, "state": "failed", "error": message.delivery_error}
        account = db.session.get(ChannelAccount, message.account_id)
        if account is None:
            return _fail(message, "the channel account no longer exists")
        try:
            connector = connector_for(account, conversations=StoredConversations(account), allowlist=current_allowlist())
        except KeyError:
            return _fail(message, f"unknown connector {account.connector!r}")
        # the reply's own id and first attempt: a network with retry keys (LINE) derives the key and its route from them
        target = {**(_delivery(message).get("target") or {}), "reply_id": message.id,
                  "first_attempt_at": _delivery(message).get("first_attempt_at")}
        interrupted = message.delivery_state == "posting"
        if interrupted and not connector.resend_safe(target):
            return _fail(message, "sending was interrupted and the network may have received the reply; check the account before writing it again")
        problem = connector.check_reply(target, message.text)
        if problem:
            return _fail(message, problem)
        if not interrupted and not _claim(message.id):
            db.session.refresh(message)
            return {"message_id": message.id, "state": message.delivery_state}
        db.session.refresh(message)
        now = utcnow().isoformat()
        first = _delivery(message).get("first_attempt_at") or now
        target["first_attempt_at"] = first
        _save_delivery(message, attempts=int(_delivery(message).get("attempts") or 0) + 1, posting_at=now, first_attempt_at=first)
        db.session.commit()

        try:
            external_id = connector.send_reply(target, message.text)
        except (UnsupportedOperation, SendRejected) as exc:
            return _fail(message, str(exc))
        except NeedsAttention as exc:
            account.status, account.status_detail = "needs_attention", str(exc)
            return _fail(message, str(exc))
        except (ConnectorError, requests.RequestException) as exc:
            # nothing went out: let RQ try again later, unless this was the last try
            message.delivery_state = "sending"
            message.delivery_error = f"retrying: {exc}"[:2000]
            _save_delivery(message, last_error=str(exc)[:500])
            db.session.commit()
            if isinstance(exc, RateLimited):
                # the network said when to come back; a fresh job then does not use up the retries
                job = enqueue("deliver_reply", message.id, at=exc.reset_at,
                              job_id=f"{delivery_job_id(message.id)}-after-{int(exc.reset_at.timestamp())}",
                              description=f"deliver_reply(message={message.id}, after rate limit)")
                return {"message_id": message.id, "state": "sending", "retry_at": exc.reset_at.isoformat(),
                        "job": job.id if job is not None else None}
            if _last_attempt():
                return _fail(message, str(exc))
            raise

        if connector.delivery_notes:
            _save_delivery(message, **connector.delivery_notes)
        _record_sent(message, account, external_id, connector.permalink(external_id, target), connector.delivery_notes)
        if connector.config_updates:
            account.config = {**account.config, **connector.config_updates}
        db.session.commit()
        log.info("reply %s sent as %s on account %s", message.id, external_id, account.name)
        return {"message_id": message.id, "state": "sent", "external_id": external_id, "url": message.url}
