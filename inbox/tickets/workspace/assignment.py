"""Who works a ticket: take, unassign, assign.

Agents may take an unassigned ticket and give up their own; moving a ticket to or from anyone else
is a lead's call (reassigning), so it is refused here whatever the caller is.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ...auth.models import User
from ...extensions import db
from ...timeutil import utcnow
from ..events import EventType
from ..models import Ticket
from .actions import ActionError, NotAllowed, _event


def may_assign(by: User, ticket: Ticket, assignee: User | None) -> bool:
    """Whether `by`'s role lets them move `ticket` to `assignee` (None: nobody)."""
    if by.has_role("lead"):
        return True
    if assignee is None:
        return ticket.assignee_id == by.id
    return assignee.id == by.id and ticket.assignee_id in (None, by.id)


def _assign(ticket: Ticket, assignee: User | None, by: User, now: datetime) -> None:
    """Move the ticket and record who did it (the assignee hears of it: inbox.notifications listens)."""
    if assignee is not None and not assignee.active:
        raise ActionError(_("%(name)s is deactivated and cannot be assigned tickets", name=assignee.name), _("assignee deactivated"))
    if ticket.status == "closed":
        raise ActionError(_("ticket #%(id)s is closed", id=ticket.id), _("closed"))
    new_id = assignee.id if assignee is not None else None
    if ticket.assignee_id == new_id:
        if assignee is None:
            raise ActionError(_("ticket #%(id)s is not assigned to anyone", id=ticket.id), _("not assigned"))
        raise ActionError(_("ticket #%(id)s is already assigned to %(name)s", id=ticket.id, name=assignee.name),
                          _("already assigned to %(name)s", name=assignee.name))
    if not may_assign(by, ticket, assignee):
        if assignee is None or assignee.id == by.id:
            raise NotAllowed(_("ticket #%(id)s is assigned to someone else; ask a lead to reassign it", id=ticket.id),
                             _("assigned to someone else"))
        raise NotAllowed(_("only leads and admins assign tickets to someone else"), _("not allowed"))
    previous = ticket.assignee_id
    ticket.assignee_id = new_id
    how = "take" if new_id == by.id else ("unassign" if new_id is None else "assign")
    _event(ticket, EventType.ASSIGNMENT, by, now, {"from": previous, "to": new_id, "how": how})


def assign_ticket(ticket: Ticket, assignee: User | None, by: User) -> None:
    _assign(ticket, assignee, by, utcnow())
    db.session.commit()


def take_ticket(ticket: Ticket, by: User) -> None:
    assign_ticket(ticket, by, by)


def unassign_ticket(ticket: Ticket, by: User) -> None:
    assign_ticket(ticket, None, by)


def assignable_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name, User.id)))
