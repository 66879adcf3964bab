"""A PATCH of a ticket: several of the ticket page's actions applied in one transaction."""
from __future__ import annotations

from ..auth.models import User
from ..extensions import db
from ..tickets.models import Ticket
from ..tickets.workspace.actions import (
    ActionError,
    NotAllowed,
    _reopen,
    _resolve,
    _set_pending,
    _set_priority,
    has_delivered_reply,
)
from ..tickets.workspace.assignment import _assign, may_assign
from ..tickets.workspace.tags import _add_tags, _remove_tags, normalize_tag
from ..timeutil import utcnow
from .problems import ApiProblem
from .schemas import TicketUpdate


def _tag_names(raw: list[str]) -> list[str]:
    names: list[str] = []
    for value in raw:
        try:
            name = normalize_tag(value)
        except ActionError as exc:
            raise ApiProblem(422, f"tag “{value[:40]}”: {exc}") from None
        if name not in names:
            names.append(name)
    return names


def apply_ticket_update(ticket: Ticket, by: User, change: TicketUpdate) -> None:
    """Values are checked first (422), then permissions (403), then each action (ActionError: nothing
    is committed)."""
    fields = change.model_fields_set
    if not fields - {"confirm_unanswered"}:
        raise ApiProblem(422, "Nothing to change: give status, priority, assignee_id or tags.")
    assignee: User | None = None
    if "assignee_id" in fields:
        if change.assignee_id is None:
            raise ApiProblem(422, "assignee_id must be a user id, or 0 to unassign.")
        if change.assignee_id:
            assignee = db.session.get(User, change.assignee_id)
            if assignee is None:
                raise ApiProblem(404, f"No user #{change.assignee_id}.")
        if not may_assign(by, ticket, assignee):
            raise NotAllowed("only leads and admins assign tickets to someone else, or take one assigned to someone else")
    adds = _tag_names(change.tags.add) if change.tags else []
    removes = _tag_names(change.tags.remove) if change.tags else []
    if change.status == "resolved" and ticket.is_open and not change.confirm_unanswered and not has_delivered_reply(ticket):
        raise ApiProblem(409, "The customer got no reply: resolving records the first response as missed. "
                              "Send confirm_unanswered: true to resolve anyway.")
    now = utcnow()
    try:
        if change.priority is not None:
            _set_priority(ticket, change.priority, by, now)
        if adds:
            _add_tags(ticket, adds, by, now)
        if removes:
            _remove_tags(ticket, removes, by, now)
        if "assignee_id" in fields:
            _assign(ticket, assignee, by, now)
        if change.status == "resolved":
            _resolve(ticket, by, now)
        elif change.status == "pending":
            _set_pending(ticket, by, now)
        elif change.status == "open":
            _reopen(ticket, by, now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
