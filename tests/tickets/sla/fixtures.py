"""Tickets written straight from an event history, as ingest and the agents' actions would have left them
(the SLA writer fills the columns and the outcome row on flush)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count

from inbox.channels import get_or_create_account
from inbox.extensions import db
from inbox.tickets.models import Contact, ContactIdentity, Ticket, TicketEvent
from inbox.tickets.sla.policies import PolicyBook

UTC = timezone.utc
H = timedelta(hours=1)
MON = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday, week 2026-W47; the default calendar is Mon–Fri 09–17 UTC
_serial = count(1)


def e(kind: str, at: datetime, **data) -> tuple[str, datetime, dict | None]:
    return kind, at, data or None


def history_ticket(channel: str, events: list[tuple[str, datetime, dict | None]], assignee=None, subject: str = "") -> Ticket:
    n = next(_serial)
    account, _ = get_or_create_account(f"hist-{channel}", "jsonl", channel)
    policy = PolicyBook().policy_for(channel, "normal")
    contact = Contact(display_name=f"Customer {n}")
    identity = ContactIdentity(contact=contact, channel=channel, external_id=f"hist-{n}", handle=f"@hist{n}", name=f"Customer {n}")
    status, resolved_at = "new", None
    for kind, at, data in events:
        if kind == "status":
            status = data["to"]
            resolved_at = at if status == "resolved" else None
        elif kind == "reopened":
            status, resolved_at = "open", None
        elif kind in ("reply_delivered", "answered_outside") and status == "new":
            status = "open"
    ticket = Ticket(account_id=account.id, channel=channel, contact=contact, conversation_key=f"hist-conv-{n}", kind="mention",
                    status=status, priority="normal", subject=subject or f"history {n}", opened_at=events[0][1],
                    resolved_at=resolved_at, sla_policy=policy, assignee_id=getattr(assignee, "id", assignee), events=[])
    first_data = {"priority": "normal", "sla_policy": policy.id if policy else None}
    for kind, at, data in events:
        ticket.events.append(TicketEvent(type=kind, at=at, data=first_data if kind == "created" else data))
    db.session.add_all([contact, identity, ticket])
    db.session.commit()
    return ticket
