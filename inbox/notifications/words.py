"""A notification in the reader's language, said when it is shown from its key (the kind) and parameters
(ticket, SLA target, who assigned it); a row stored before those were kept shows its English text."""
from __future__ import annotations

from flask_babel import gettext

from ..labels import label


def notice_text(kind: str, ticket_id: int | None, target: str | None, actor_name: str | None, stored: str) -> str:
    if kind == "assigned" and ticket_id is not None:
        return gettext("Ticket #%(id)s: assigned to you by %(name)s", id=ticket_id, name=actor_name or "?")
    if kind == "sla_at_risk" and ticket_id is not None and target:
        return gettext("Ticket #%(id)s: %(target)s at risk", id=ticket_id, target=label("target", target))
    if kind == "sla_breach" and ticket_id is not None and target:
        return gettext("Ticket #%(id)s: %(target)s target breached", id=ticket_id, target=label("target", target))
    return stored
