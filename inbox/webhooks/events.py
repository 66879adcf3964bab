"""The events a webhook subscription may ask for, named as receivers see them, with their words."""
from __future__ import annotations

from ..tickets.signals import PUBLIC_SIGNALS
from ..translatable import N_

EVENT_TYPES: dict[str, str] = {
    "ticket.created": N_("Ticket created"),
    "message.received": N_("Customer message received"),
    "ticket.replied": N_("Reply delivered to the customer"),
    "ticket.status_changed": N_("Status changed (pending, resolved, reopened)"),
    "ticket.assigned": N_("Assigned or unassigned"),
    "sla.at_risk": N_("SLA target at risk"),
    "sla.breached": N_("SLA target breached"),
    "survey.answered": N_("Satisfaction survey answered"),
    "rule.fired": N_("An automation rule with the webhook action fired"),
}
assert set(EVENT_TYPES) == set(PUBLIC_SIGNALS), "every public signal has its words, and only those"
