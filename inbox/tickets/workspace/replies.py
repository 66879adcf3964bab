"""An agent's reply: recorded on the ticket at once (state "sending"), sent by the delivery job, which
the "reply queued" signal queues once the reply is committed (inbox.jobs.listeners).

Queueing a reply answers nobody yet: the SLA clocks stop only when the delivery job records that the
network accepted it ("reply_delivered", at the moment it was sent). A reply that fails counts for
nothing; the agent can retry it or say the customer was answered outside Inbox.
"""
from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _

from ...auth.models import User
from ...channels import ChannelAccount
from ...channels.conversations import StoredConversations
from ...connectors.base import connector_for
from ...connectors.x.text import length_problem
from ...extensions import db
from ...timeutil import utcnow
from ...translatable import N_
from ..events import EventType
from ..models import Message, Ticket, TicketEvent
from ..rules.status import Change
from .actions import ActionError, change_status

MAX_REPLY_CHARS = 10_000
PLACEHOLDER_PREFIX = "inbox-reply:"


def reply_target(ticket: Ticket) -> dict[str, Any]:
    """What the connector needs to answer on the ticket's own thread: the latest customer message."""
    latest = max((m for m in ticket.messages if m.direction == "inbound"), key=lambda m: (m.sent_at, m.id), default=None)
    identities = ticket.contact.identities if ticket.contact else []
    identity = next((i for i in identities if latest is not None and i.id == latest.identity_id), None)
    identity = identity or next((i for i in identities if i.channel == ticket.channel), identities[0] if identities else None)
    customer = identity.external_id if identity is not None else None
    return {
        "ticket_id": ticket.id,
        "kind": ticket.kind,
        "conversation": ticket.conversation_key,
        "in_reply_to": latest.external_id if latest is not None else None,
        "customer_id": customer,
        "customer_handle": identity.handle if identity is not None else None,
        "subject": ticket.subject,  # an email reply's Subject
    }


def channel_sends_replies(ticket: Ticket) -> bool:
    """Whether Inbox can send on the ticket's channel account; otherwise the answer is given elsewhere."""
    try:
        return connector_for(ticket.account).can_reply()
    except KeyError:
        return False


def reply_problem(ticket: Ticket, text: str) -> str | None:
    """Why this reply cannot be sent as written (empty, too long for the network), or None."""
    if not text.strip():
        return N_("the reply is empty")
    if len(text) > MAX_REPLY_CHARS:
        return N_("the reply is longer than %(limit)s characters", limit=MAX_REPLY_CHARS)
    if "\x00" in text:  # PostgreSQL cannot store it, and no network would send it
        return N_("the reply contains a NUL character")
    if ticket.channel == "x" and ticket.kind != "dm":
        # the network's rule, whichever connector brings the account in (an export, a file): what the page counts
        problem = length_problem(text)
        if problem:
            return problem
    account: ChannelAccount = ticket.account
    try:
        connector = connector_for(account, conversations=StoredConversations(account))
    except KeyError:
        return None  # the delivery job reports the unknown connector on the message itself
    return connector.check_reply(reply_target(ticket), text)


def queue_reply(ticket: Ticket, user: User, text: str, purpose: str = "reply") -> Message:
    """Record the reply on the ticket (state "sending") and queue its delivery.

    `purpose` "survey" marks a satisfaction-survey invitation: delivered like a reply, it never counts
    as answering the customer."""
    text = text.replace("\r\n", "\n").strip()
    problem = reply_problem(ticket, text)
    if problem:
        raise ActionError(problem)
    now = utcnow()
    target = reply_target(ticket)
    account: ChannelAccount = ticket.account
    brand = account.config.get("username")
    message = Message(
        ticket=ticket,
        account_id=ticket.account_id,
        conversation_key=ticket.conversation_key,
        # replaced by the network's id once sent; unique until then
        external_id=f"{PLACEHOLDER_PREFIX}{uuid.uuid4().hex}",
        direction="outbound",
        kind="dm" if ticket.kind == "dm" else "reply",
        author_handle=f"@{brand}" if brand else account.name,
        author_name=user.name,
        text=text,
        sent_at=now,
        received_at=now,
        in_reply_to=target["in_reply_to"],
        raw={"delivery": {"target": target, "attempts": 0, "purpose": purpose}},
        delivery_state="sending",
        sent_by_id=user.id,
    )
    db.session.add(message)
    ticket.message_count = Ticket.message_count + 1  # atomic: ingest may add to the same ticket now
    change_status(ticket, Change.ANSWERED, user, now)
    db.session.flush()
    db.session.add(TicketEvent(ticket=ticket, type=EventType.REPLY_QUEUED, actor_id=user.id, at=now,
                               data={"message_id": message.id, "purpose": purpose, "attempt": 0}))
    db.session.commit()
    return message


def retry_reply(message: Message, by: User) -> None:
    """Send a failed reply again (a fresh delivery job; the failed attempts stay in the history)."""
    if message.direction != "outbound" or message.delivery_state != "failed":
        raise ActionError(_("only a reply that failed can be sent again"))
    delivery = dict((message.raw or {}).get("delivery") or {})
    attempt = int(delivery.get("retry_attempt") or 0) + 1
    message.raw = {**(message.raw or {}), "delivery": {**delivery, "retry_attempt": attempt, "posted_id": None}}
    message.delivery_state, message.delivery_error = "sending", None
    db.session.add(TicketEvent(ticket_id=message.ticket_id, type=EventType.REPLY_QUEUED, actor_id=by.id, at=utcnow(),
                               data={"message_id": message.id, "retry": True, "attempt": attempt}))
    db.session.commit()
