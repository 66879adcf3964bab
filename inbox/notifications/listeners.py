"""Who hears of what: "assigned to you" when someone else gives you a ticket, "at risk" to whoever can
still act (the assignee, else the leads), "breached" to the assignee and every lead — once per deadline,
because the sweep records each warning and breach once. Rows are written after the change is committed,
then each recipient's open pages are told (the bell, and a browser notification if they asked for one)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)

from ..auth.models import User
from ..extensions import db
from ..tickets.models import Ticket
from ..tickets.signals import TicketSignal, assigned, sla_breached, sla_swept
from ..tickets.sla.models import SlaBreach, SlaWarning
from ..tickets.sla.targets import TARGET_NAMES
from ..timeutil import UtcDateTime, utcnow
from .alerts import publish_notifications
from .models import Notification

_COLUMNS = ["user_id", "ticket_id", "breach_id", "kind", "text", "created_at", "target"]


def on_assigned(_sender: Any, event: TicketSignal) -> None:
    """A ticket given to someone by someone else (a lead's reassignment): the assignee is told who."""
    data = event.data
    if data.get("how") != "assign" or data.get("to") is None or data.get("actor_id") in (None, data.get("to")):
        return
    by = db.session.get(User, data["actor_id"])
    notice = Notification(user_id=data["to"], ticket_id=event.ticket_id, kind="assigned", created_at=event.occurred_at,
                          actor_id=by.id if by is not None else None,
                          text=f"Ticket #{event.ticket_id}: assigned to you by {by.name if by is not None else '?'}")
    db.session.add(notice)
    db.session.commit()
    publish_notifications(ids=[notice.id])


def on_swept(_sender: Any, event: TicketSignal) -> None:
    """One sweep's warnings and breaches, set-based: thousands at once cost a statement each, not a row each."""
    swept_at = datetime.fromisoformat(event.data["swept_at"])
    before = db.session.scalar(select(func.max(Notification.id))) or 0
    _notify_warnings(swept_at)
    _notify_breaches(swept_at)
    db.session.commit()
    publish_notifications(after_id=before)


def on_breached(_sender: Any, event: TicketSignal) -> None:
    """A deadline found missed by the event that stopped its clock (a late reply, a late resolution);
    the sweep's own breaches are told set-based, by `on_swept`."""
    if event.data.get("found") != "event" or not isinstance(event.data.get("breach_id"), int):
        return
    before = db.session.scalar(select(func.max(Notification.id))) or 0
    _notify_breaches(None, event.data["breach_id"])
    db.session.commit()
    publish_notifications(after_id=before)


def _notify_warnings(swept_at: datetime) -> None:
    at = literal(swept_at, UtcDateTime)
    fresh = SlaWarning.warned_at == swept_at
    label = case(TARGET_NAMES, value=SlaWarning.target, else_=SlaWarning.target)
    text = literal("Ticket #", String) + cast(SlaWarning.ticket_id, String) + literal(": ", String) + label + literal(" at risk", String)
    assignees = (
        select(User.id, SlaWarning.ticket_id, null().cast(Integer), literal("sla_at_risk", String), text, at, SlaWarning.target)
        .select_from(SlaWarning).join(Ticket, Ticket.id == SlaWarning.ticket_id).join(User, User.id == Ticket.assignee_id)
        .where(fresh, User.active.is_(True))
    )
    leads = (
        select(User.id, SlaWarning.ticket_id, null().cast(Integer), literal("sla_at_risk", String), text, at, SlaWarning.target)
        .select_from(SlaWarning).join(Ticket, Ticket.id == SlaWarning.ticket_id)
        .join(User, and_(User.active.is_(True), User.role.in_(("lead", "admin"))))
        .where(fresh, Ticket.assignee_id.is_(None))
    )
    db.session.execute(insert(Notification).from_select(_COLUMNS, union_all(assignees, leads)))


def _notify_breaches(swept_at: datetime | None, breach_id: int | None = None) -> None:
    """The assignee and every lead/admin hear of each breach once (it is recorded once): the breaches of
    one sweep, or one breach."""
    at = literal(swept_at or utcnow(), UtcDateTime)
    fresh = SlaBreach.recorded_at == swept_at if breach_id is None else SlaBreach.id == breach_id
    label = case(TARGET_NAMES, value=SlaBreach.target, else_=SlaBreach.target)
    text = literal("Ticket #", String) + cast(SlaBreach.ticket_id, String) + literal(": ", String) + label + literal(" target breached", String)
    # two equality joins instead of one OR join: the planner hashes both, even for thousands of breaches
    assignees = (
        select(User.id, SlaBreach.ticket_id, SlaBreach.id, literal("sla_breach", String), text, at, SlaBreach.target)
        .select_from(SlaBreach)
        .join(Ticket, Ticket.id == SlaBreach.ticket_id)
        .join(User, User.id == Ticket.assignee_id)
        .where(fresh, User.active.is_(True), User.role.not_in(("lead", "admin")))
    )
    leads = (
        select(User.id, SlaBreach.ticket_id, SlaBreach.id, literal("sla_breach", String), text, at, SlaBreach.target)
        .select_from(SlaBreach)
        .join(User, and_(User.active.is_(True), User.role.in_(("lead", "admin"))))
        .where(fresh)
    )
    db.session.execute(insert(Notification).from_select(_COLUMNS, union_all(assignees, leads)))


def install() -> None:
    """Called by create_app."""
    assigned.connect(on_assigned)
    sla_swept.connect(on_swept)
    sla_breached.connect(on_breached)
