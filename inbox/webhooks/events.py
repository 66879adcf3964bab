"""The events a webhook subscription may ask for, named as receivers see them, with their words."""
from __future__ import annotations

from ..tickets.signals import PUBLIC_SIGNALS

EVENT_TYPES: dict[str, str] = {
    "ticket.created": "Ticket created",
    "message.received": "Customer message received",
    "ticket.replied": "Reply delivered to the customer",
    "ticket.status_changed": "Status changed (pending, resolved, reopened)",
    "ticket.assigned": "Assigned or unassigned",
    "sla.at_risk": "SLA target at risk",
    "sla.breached": "SLA target breached",
    "survey.answered": "Satisfaction survey answered",
    "rule.fired": "An automation rule with the webhook action fired",
}
assert set(EVENT_TYPES) == set(PUBLIC_SIGNALS), "every public signal has its words, and only those"
