"""Queue the rules (and automatic assignment) for each arrived customer message, only when there is
something to run: an active rule, or assignment turned on; and the SLA-state rules when a ticket's
SLA state changes (at risk, breached)."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..tickets.signals import SIGNALS, TicketSignal, once_per_send

log = logging.getLogger(__name__)


def _configured() -> bool:
    from ..assignment.engine import MODE_SETTING
    from ..app_settings import AppSetting
    from .models import AutomationRule

    with Session(db.engine) as session:
        if session.scalar(select(AutomationRule.id).where(AutomationRule.active.is_(True)).limit(1)) is not None:
            return True
        mode = session.get(AppSetting, MODE_SETTING)
        return mode is not None and mode.value not in ("", "off")


def on_message(_sender: Any, event: TicketSignal) -> None:
    from redis.exceptions import RedisError

    from ..jobqueue import enqueue

    if not once_per_send("rules_or_assignment_on", _configured):
        return
    try:
        enqueue("run_rules", event.data["account_id"], event.data["external_id"])
    except RedisError as exc:  # the minute's auto_assign run still hands the ticket out
        log.warning("rules for ticket %s not queued: %s", event.ticket_id, exc)


def _has_sla_rules() -> bool:
    from .models import AutomationRule

    with Session(db.engine) as session:
        active = session.scalars(select(AutomationRule.conditions).where(AutomationRule.active.is_(True)))
        return any((conditions or {}).get("sla_states") for conditions in active)


def on_sla_change(_sender: Any, event: TicketSignal) -> None:
    from redis.exceptions import RedisError

    from ..jobqueue import enqueue

    if not once_per_send("sla_rules_on", _has_sla_rules):
        return
    try:
        enqueue("run_sla_rules", event.ticket_id)
    except RedisError as exc:
        log.warning("SLA rules for ticket %s not queued: %s", event.ticket_id, exc)


def connect() -> None:
    SIGNALS["message.received"].connect(on_message)
    SIGNALS["sla.at_risk"].connect(on_sla_change)
    SIGNALS["sla.breached"].connect(on_sla_change)
