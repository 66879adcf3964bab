"""Rules and automatic assignment when a customer message arrives (queued by automation.listen)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..assignment.engine import assign_waiting
from ..automation.service import run_for_message, run_for_sla_change
from ..extensions import db
from ..tickets.models import Message
from .context import job_context


def run_rules(account_id: int, external_id: str) -> dict[str, Any]:
    with job_context():
        fired = run_for_message(account_id, external_id)
        ticket_id = db.session.scalar(select(Message.ticket_id).where(Message.account_id == account_id,
                                                                      Message.external_id == external_id))
        assigned = assign_waiting(ticket_ids=[ticket_id]) if ticket_id else []
        return {"fired": fired, "assigned": assigned}


def run_sla_rules(ticket_id: int) -> list[str]:
    with job_context():
        return run_for_sla_change(ticket_id)
