"""Turn committed ticket events into webhook deliveries: one row per subscription that wants the event,
with the payload fixed now, and a delivery job per row.

It receives the signals of each commit (tickets.signals.send), in an application context of its own: its
db.session is not the committing one. A delivery whose job could not be queued (Redis away) stays
"pending" and is queued by `requeue_pending` once Redis answers."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import JobStatus
from sqlalchemy import select

from ..extensions import db
from ..jobqueue import InboxJob, enqueue
from ..links import external_url
from ..redis_client import get_redis
from ..tickets.hooks import once_per_send
from ..tickets.models import Message, Ticket
from ..tickets.read.representation import message_view, ticket_view
from ..tickets.signals import PUBLIC_SIGNALS, TicketSignal
from ..timeutil import utcnow
from .models import WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

REQUEUE_AFTER = timedelta(minutes=2)


def payload_for(event: TicketSignal, now: datetime) -> dict[str, Any]:
    """What a receiver gets: the event, the ticket as GET /api/v1/tickets/{id} shows it, and the message
    for message and reply events."""
    session = db.session
    data: dict[str, Any] = {k: v for k, v in event.data.items() if k not in ("account_id", "message_id")}
    ticket = session.get(Ticket, event.ticket_id)
    data["ticket"] = ticket_view(ticket, now).model_dump(mode="json") if ticket is not None else None
    # on INBOX_PUBLIC_URL: a receiver (and the person it notifies) opens the ticket from any host
    data["ticket_url"] = external_url("web.ticket", ticket_id=event.ticket_id) if ticket is not None else None
    message = None
    if event.type == "message.received":
        message = session.scalar(select(Message).where(Message.account_id == event.data.get("account_id"),
                                                       Message.external_id == event.data.get("external_id")))
    elif event.type == "ticket.replied" and event.data.get("message_id"):
        message = session.get(Message, event.data["message_id"])
    if message is not None:
        data["message"] = message_view(message).model_dump(mode="json")
    return {"id": event.id, "type": event.type, "occurred_at": event.occurred_at.isoformat(), "data": data}


def _active_subscriptions() -> list[tuple[int, frozenset[str]]]:
    return [(s.id, frozenset(s.events or ())) for s in
            db.session.scalars(select(WebhookSubscription).where(WebhookSubscription.active.is_(True)))]


def dispatch(_sender: Any, event: TicketSignal) -> list[int]:
    """Receiver of every ticket signal: record and queue a delivery per interested subscription."""
    wanted = [sid for sid, events in once_per_send("webhook_subscriptions", _active_subscriptions) if event.type in events]
    if not wanted:
        return []
    now = utcnow()
    payload = payload_for(event, now)
    rows = [WebhookDelivery(subscription_id=sid, event_id=event.id, event_type=event.type, ticket_id=event.ticket_id, payload=payload,
                            state="pending", attempts=0, created_at=now, history=[]) for sid in wanted]
    db.session.add_all(rows)
    db.session.commit()
    ids = [r.id for r in rows]
    for delivery_id in ids:
        queue_delivery(delivery_id)
    return ids


def delivery_job_id(delivery_id: int) -> str:
    return f"webhook-{delivery_id}"


def queue_delivery(delivery_id: int) -> bool:
    try:
        enqueue("webhook", delivery_id, job_id=delivery_job_id(delivery_id), description=f"webhook delivery {delivery_id}")
        return True
    except RedisError as exc:
        log.warning("webhook delivery %s waits for Redis: %s", delivery_id, exc)
        return False


def cancel_delivery(delivery_id: int) -> None:
    """Call off the delivery's job if it is still waiting (queued or scheduled for a retry). One that is
    running already finishes its attempt; the row's state keeps any later one from sending."""
    try:
        job = InboxJob.fetch(delivery_job_id(delivery_id), connection=get_redis())
        if job.get_status() in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
            job.delete()
    except NoSuchJobError:
        pass
    except RedisError as exc:
        log.warning("webhook delivery %s: its waiting job could not be removed (%s); it will find the delivery replaced",
                    delivery_id, exc)


def requeue_pending(now: datetime | None = None) -> int:
    """Deliveries never attempted for a while (their job was lost with Redis): queue them again. A job
    still queued under the same id is kept, so this never sends twice."""
    cutoff = (now or utcnow()) - REQUEUE_AFTER
    ids = list(db.session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.state == "pending",
                                                                   WebhookDelivery.created_at < cutoff).limit(1000)))
    return sum(queue_delivery(i) for i in ids)


def install() -> None:
    """Called by create_app (through webhooks.install): every public ticket signal may be wanted."""
    for signal in PUBLIC_SIGNALS.values():
        signal.connect(dispatch)


def erase_payloads(ticket_ids: list[int]) -> int:
    """A customer's data erased: the payloads queued or logged for their tickets keep only the event's id
    and type (no commit; the erasure's transaction). A delivery still waiting then sends just that."""
    if not ticket_ids:
        return 0
    erased = 0
    for delivery in db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.ticket_id.in_(ticket_ids))):
        delivery.payload = {"id": delivery.event_id, "type": delivery.event_type, "erased": True}
        erased += 1
    return erased
