"""Queue the rules (and automatic assignment) for each arrived customer message, only when there is
something to run: an active rule, or assignment turned on; and the SLA-state rules when a ticket's
SLA state changes (at risk, breached)."""
from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import select

from ..app_settings import setting_value
from ..assignment.engine import MODE_SETTING
from ..extensions import db
from ..jobqueue import enqueue
from ..tickets.hooks import once_per_send
from ..tickets.signals import TicketSignal, message_received, sla_at_risk, sla_breached
from .models import AutomationRule

log = logging.getLogger(__name__)


def _configured() -> bool:
    if db.session.scalar(select(AutomationRule.id).where(AutomationRule.active.is_(True)).limit(1)) is not None:
        return True
    return setting_value(MODE_SETTING, "off") not in ("", "off")


def on_message(_sender: Any, event: TicketSignal) -> None:
    if not once_per_send("rules_or_assignment_on", _configured):
        return
    try:
        enqueue("run_rules", event.data["account_id"], event.data["external_id"])
    except RedisError as exc:  # the minute's auto_assign run still hands the ticket out
        log.warning("rules for ticket %s not queued: %s", event.ticket_id, exc)


def _has_sla_rules() -> bool:
    active = db.session.scalars(select(AutomationRule.conditions).where(AutomationRule.active.is_(True)))
    return any((conditions or {}).get("sla_states") for conditions in active)


def on_sla_change(_sender: Any, event: TicketSignal) -> None:
    if not once_per_send("sla_rules_on", _has_sla_rules):
        return
    try:
        enqueue("run_sla_rules", event.ticket_id)
    except RedisError as exc:
        log.warning("SLA rules for ticket %s not queued: %s", event.ticket_id, exc)


def install() -> None:
    message_received.connect(on_message)
    sla_at_risk.connect(on_sla_change)
    sla_breached.connect(on_sla_change)
