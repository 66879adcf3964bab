"""The one table of ticket status changes: what each kind of change does from each status. Pure.

Every change of status goes through `next_status`: an agent's action (single or bulk), the API, a rule,
a queued reply, a customer writing back (ingest). Statuses: new → open → pending (waiting on the
customer) → resolved (→ closed). A change that does not apply from a status is refused with the reason
(`StatusRefused.reason`), except the quiet ones (a customer writing on an open ticket), which change
nothing.
"""
from __future__ import annotations

from enum import StrEnum

from ..events import EventType


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)


class Change(StrEnum):
    RESOLVE = "resolve"
    SET_PENDING = "set_pending"
    # an agent (or a rule) reopens: resolved → open, or pending → open (waiting no more)
    REOPEN = "reopen"
    # the customer wrote on this ticket: pending → open; on a resolved one within the reopen window, reopened
    CUSTOMER_WROTE = "customer_wrote"
    # the customer was answered (a reply queued in Inbox, posted on the network, or given outside): new → open
    ANSWERED = "answered"


TRANSITIONS: dict[tuple[Status, Change], Status] = {
    (Status.NEW, Change.RESOLVE): Status.RESOLVED,
    (Status.OPEN, Change.RESOLVE): Status.RESOLVED,
    (Status.PENDING, Change.RESOLVE): Status.RESOLVED,
    (Status.NEW, Change.SET_PENDING): Status.PENDING,
    (Status.OPEN, Change.SET_PENDING): Status.PENDING,
    (Status.PENDING, Change.REOPEN): Status.OPEN,
    (Status.RESOLVED, Change.REOPEN): Status.OPEN,
    (Status.PENDING, Change.CUSTOMER_WROTE): Status.OPEN,
    (Status.RESOLVED, Change.CUSTOMER_WROTE): Status.OPEN,
    (Status.NEW, Change.ANSWERED): Status.OPEN,
}
# changes that happen anyway (a message, a reply) and move the status only where the table says
QUIET = frozenset({Change.CUSTOMER_WROTE, Change.ANSWERED})
# why an explicit change is refused, by change: the reason names the status the ticket is in
REFUSALS: dict[Change, str] = {
    Change.RESOLVE: "already_closed",
    Change.SET_PENDING: "not_new_or_open",
    Change.REOPEN: "not_resolved_or_pending",
}


class StatusRefused(ValueError):
    """The change does not apply to a ticket in this status; `reason` is a key of REFUSALS' values."""

    def __init__(self, status: str, change: Change) -> None:
        super().__init__(f"cannot {change.value} a ticket that is {status}")
        self.status = status
        self.change = change
        self.reason = REFUSALS.get(change, "not_allowed")


def next_status(status: str, change: Change) -> Status | None:
    """The status after `change`, or None when a quiet change leaves it as it is."""
    found = TRANSITIONS.get((Status(status), change))
    if found is None and change not in QUIET:
        raise StatusRefused(status, change)
    return found


def history_entry(previous: str, new: str, change: Change) -> tuple[EventType, dict[str, str]] | None:
    """How the ticket's history records the change: a resolved ticket coming back is "reopened"; a new
    ticket answered becomes open without a line of its own (the answer is the line)."""
    if change is Change.ANSWERED:
        return None
    if previous == Status.RESOLVED and new == Status.OPEN:
        return EventType.REOPENED, {"by": "customer" if change is Change.CUSTOMER_WROTE else "agent"}
    data = {"from": str(previous), "to": str(new)}
    if change is Change.CUSTOMER_WROTE:
        data["by"] = "customer"
    return EventType.STATUS, data
