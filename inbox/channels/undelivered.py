"""Replies the network reported as not delivered after all (an email bounce): marked failed.

Runs in the poller's transaction, so the report and the cursor that moved past it are saved
together. Only a reply that was recorded as sent changes; a report about anything else (a
message Inbox never sent, a reply already marked failed) changes nothing.
"""
from __future__ import annotations

import logging
from typing import Iterable

from sqlalchemy import select

from ..connectors.base import DeliveryFailure
from ..extensions import db
from ..tickets.events import EventType
from ..tickets.models import Message, TicketEvent
from ..timeutil import utcnow

log = logging.getLogger(__name__)


def mark_undelivered(account_id: int, failures: Iterable[DeliveryFailure]) -> int:
    changed = 0
    for failure in failures:
        message = db.session.scalar(select(Message).where(
            Message.account_id == account_id, Message.external_id == failure.external_id, Message.direction == "outbound"))
        if message is None or message.delivery_state != "sent":
            continue
        message.delivery_state, message.delivery_error = "failed", failure.reason[:2000]
        delivery = dict((message.raw or {}).get("delivery") or {})
        message.raw = {**(message.raw or {}), "delivery": {**delivery, "failed_at": utcnow().isoformat(), "bounced": True}}
        if message.ticket_id is not None:
            db.session.add(TicketEvent(ticket_id=message.ticket_id, type=EventType.REPLY_BOUNCED, at=utcnow(),
                                       data={"message_id": message.id, "reason": failure.reason[:500]}))
        log.warning("reply %s on account %s was not delivered: %s", message.id, account_id, failure.reason)
        changed += 1
    return changed
