"""Which ticket a new message belongs to: a pure rule over the conversation's latest ticket."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from ..models import OPEN_STATUSES


class Placement(Enum):
    JOIN = "join"        # add to the conversation's open ticket
    REOPEN = "reopen"    # customer wrote again soon after resolution
    NEW = "new"          # start a new ticket


@dataclass(frozen=True)
class TicketSnapshot:
    status: str
    resolved_at: datetime | None


def place_message(latest: TicketSnapshot | None, sent_at: datetime, inbound: bool, reopen_window: timedelta) -> Placement:
    """`latest` is the conversation's most recent ticket, if any."""
    if latest is None:
        return Placement.NEW
    if latest.status in OPEN_STATUSES:
        return Placement.JOIN
    if not inbound:
        # our own later message on a finished ticket stays in its history
        return Placement.JOIN
    if latest.status == "resolved" and latest.resolved_at is not None and sent_at - latest.resolved_at <= reopen_window:
        return Placement.REOPEN
    return Placement.NEW
