"""Bulk actions from the inbox list: one request, many tickets, one transaction, a result per ticket."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...auth.models import User
from ...extensions import db
from ...security.params import parse_id
from ...timeutil import utcnow
from ..models import OPEN_STATUSES, SlaPolicy, Ticket
from .actions import ActionError, NotAllowed, _resolve, has_delivered_reply
from .assignment import _assign
from .tags import _add_tags, parse_tags

MAX_BULK_TICKETS = 500
BULK_ACTIONS = {"assign": "assigned", "tag": "tagged", "resolve": "resolved"}


def parse_ticket_ids(raw: Sequence[str]) -> list[int]:
    """Ticket ids from a form, in order, without repeats; anything that is not one is refused whole."""
    if len(raw) > MAX_BULK_TICKETS:
        raise ActionError(_("at most %(limit)s tickets at once (%(count)s selected)", limit=MAX_BULK_TICKETS, count=len(raw)))
    ids: dict[int, None] = {}
    for value in raw:
        ticket_id = parse_id(value)
        if ticket_id is None:
            raise ActionError(_("ticket ids must be positive whole numbers of at most 10 digits"))
        ids[ticket_id] = None
    if not ids:
        raise ActionError(_("no tickets selected"))
    return list(ids)


def parse_assignee(raw: str | None, by: User) -> User | None:
    """"me", "none" (nobody) or a user id; an unknown user is an error, not nobody."""
    value = (raw or "").strip()
    if value == "me":
        return by
    if value == "none":
        return None
    user_id = parse_id(value)
    if user_id is None:
        raise ActionError(_("choose whom to assign the tickets to"))
    user = db.session.get(User, user_id)
    if user is None:
        raise ActionError(_("no such user to assign to"))
    return user


@dataclass
class BulkResult:
    action: str
    done: list[int] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)

    def skip(self, reason: str, ticket_id: int) -> None:
        self.skipped.setdefault(reason, []).append(ticket_id)

    def summary(self) -> str:
        """"7 resolved, 2 skipped: already resolved (#3, #9)"."""
        done = len(self.done)
        text = {"assign": ngettext("%(num)s assigned", "%(num)s assigned", done),
                "tag": ngettext("%(num)s tagged", "%(num)s tagged", done),
                "resolve": ngettext("%(num)s resolved", "%(num)s resolved", done)}[self.action]
        if not self.skipped:
            return text
        total = sum(len(ids) for ids in self.skipped.values())
        parts = []
        for reason, ids in self.skipped.items():
            shown = ", ".join(f"#{i}" for i in ids[:5]) + (", …" if len(ids) > 5 else "")
            if len(self.skipped) > 1:
                parts.append(_("%(count)s %(reason)s (%(tickets)s)", count=len(ids), reason=reason, tickets=shown))
            else:
                parts.append(_("%(reason)s (%(tickets)s)", reason=reason, tickets=shown))
        return ngettext("%(done)s, %(num)s skipped: %(reasons)s", "%(done)s, %(num)s skipped: %(reasons)s", total,
                        done=text, reasons="; ".join(parts))


def bulk_apply(action: str, ticket_ids: Sequence[int], by: User, *, assignee_id: str | None = None,
               tag: str | None = None) -> BulkResult:
    if action not in BULK_ACTIONS:
        raise ActionError(_("bulk action must be one of %(choices)s", choices=", ".join(BULK_ACTIONS)))
    if len(ticket_ids) > MAX_BULK_TICKETS:
        raise ActionError(_("at most %(limit)s tickets at once", limit=MAX_BULK_TICKETS))
    assignee: User | None = None
    names: list[str] = []
    if action == "assign":
        assignee = parse_assignee(assignee_id, by)
        if assignee is not None and assignee.id != by.id and not by.has_role("lead"):
            raise NotAllowed(_("only leads and admins assign tickets to someone else"))
        if assignee is not None and not assignee.active:
            raise ActionError(_("%(name)s is deactivated and cannot be assigned tickets", name=assignee.name))
    elif action == "tag":
        names = parse_tags(tag or "")
    options = [selectinload(Ticket.events), selectinload(Ticket.sla_policy).selectinload(SlaPolicy.calendar)]
    if action == "tag":
        options.append(selectinload(Ticket.tags))
    found = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(list(ticket_ids))).options(*options))}
    result = BulkResult(action)
    now = utcnow()
    for ticket_id in ticket_ids:
        ticket = found.get(ticket_id)
        if ticket is None:
            result.skip(_("not found"), ticket_id)
            continue
        try:
            if action == "assign":
                _assign(ticket, assignee, by, now)
            elif action == "tag":
                _add_tags(ticket, names, by, now)
            else:
                _resolve(ticket, by, now)
        except ActionError as exc:
            result.skip(exc.reason, ticket_id)
        else:
            result.done.append(ticket_id)
    db.session.commit()
    return result


def unanswered_among(ticket_ids: Sequence[int]) -> list[int]:
    """The open tickets of a selection whose customer got no reply (resolving them records a miss)."""
    tickets = db.session.scalars(select(Ticket).where(Ticket.id.in_(list(ticket_ids)), Ticket.status.in_(OPEN_STATUSES))
                                 .options(selectinload(Ticket.events)))
    return sorted(t.id for t in tickets if not has_delivered_reply(t))
