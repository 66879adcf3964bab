"""Jobs queued because something was committed: a reply's delivery once the reply is recorded."""
from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError

from ..extensions import db
from ..tickets.models import Message
from ..tickets.signals import TicketSignal, reply_queued
from .delivery import enqueue_delivery

log = logging.getLogger(__name__)

WAITING_FOR_QUEUE = "waiting to be sent: the job queue is unavailable; it goes out when the queue is back"


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


def install() -> None:
    """Called by create_app (web, worker and CLI all queue replies)."""
    reply_queued.connect(queue_delivery)
