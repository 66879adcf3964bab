"""A resolved ticket invites its customer to the satisfaction survey, where the channel asks for one."""
from __future__ import annotations

from typing import Any

from ...auth.models import User
from ...extensions import db
from ...tickets.models import Ticket
from ...tickets.signals import TicketSignal, status_changed
from .service import invite_after_resolution


def invite_on_resolution(_sender: Any, event: TicketSignal) -> None:
    """Receiver of `status_changed`: an agent (or the API, or bulk) resolved the ticket."""
    if event.data.get("to") != "resolved" or event.data.get("actor_id") is None:
        return
    ticket = db.session.get(Ticket, event.ticket_id)
    by = db.session.get(User, event.data["actor_id"])
    if ticket is not None and by is not None and ticket.status == "resolved":
        invite_after_resolution(ticket, by)


def install() -> None:
    status_changed.connect(invite_on_resolution)
