"""The ticket page's read side: one time-ordered thread of messages, replies, notes and events,
the customer's other tickets, and where each SLA clock stands."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...auth.models import User
from ...extensions import db
from ...labels import label
from ..events import EventType
from ..models import Contact, Message, SlaPolicy, Ticket, TicketEvent, TicketNote
from ..sla.clock import ClockResult
from ..sla.outcomes import replay_ticket
from ..sla.targets import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION

# shown as their own thread items (the message with its delivery state, the note), so their events would only repeat them
_SHOWN_ELSEWHERE = {"note", "reply", "customer_message", "first_response", "reply_queued", "reply_delivered",
                    "survey_delivered", "reply_failed"}
_ORDER = {"message": 0, "reply": 0, "note": 1, "event": 2}


@dataclass(frozen=True)
class ThreadItem:
    kind: str  # message | reply | note | event
    at: datetime
    item: Any  # the Message, TicketNote or TicketEvent
    who: str | None = None  # events: the person who acted; None for the customer or the system
    text: str = ""  # events: what happened, in words ("took the ticket")

    @property
    def sort_key(self) -> tuple[datetime, int, int]:
        return (self.at, _ORDER[self.kind], self.item.id or 0)


def load_ticket(ticket_id: int) -> Ticket | None:
    """Everything the ticket page shows, in a fixed number of queries."""
    return db.session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .options(
            selectinload(Ticket.messages).selectinload(Message.corrections),
            selectinload(Ticket.messages).selectinload(Message.attachments),  # type: ignore[attr-defined]
            selectinload(Ticket.events).selectinload(TicketEvent.actor),
            selectinload(Ticket.notes).selectinload(TicketNote.author),
            selectinload(Ticket.tags),
            selectinload(Ticket.contact).selectinload(Contact.identities),
            selectinload(Ticket.account),
            selectinload(Ticket.assignee),
            selectinload(Ticket.sla_policy).selectinload(SlaPolicy.calendar),
        )
    )


def _names(ticket: Ticket) -> dict[int, str]:
    ids: set[int] = set()
    for event in ticket.events:
        if event.type == EventType.ASSIGNMENT and event.data:
            ids.update(i for i in (event.data.get("from"), event.data.get("to")) if isinstance(i, int))
        if event.type == EventType.RULE_FIRED and event.data:
            ids.update(s["user_id"] for s in event.data.get("skipped") or [] if isinstance(s.get("user_id"), int))
    if not ids:
        return {}
    return {row.id: row.name for row in db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))}


def describe_event(event: TicketEvent, names: dict[int, str], retargeted: list[str] | None = None) -> tuple[str | None, str] | None:
    """(who, what happened) for an event shown in the thread, or None when another item shows it.
    `retargeted`: for a new SLA policy, what it did to each running clock ("first response due 12:15 (was 13:00)")."""
    data: dict[str, Any] = event.data or {}
    who = event.actor.name if event.actor is not None else None
    if who is None and data.get("rule"):
        who = f"Rule “{data['rule']}”"
    kind = event.type
    if kind in _SHOWN_ELSEWHERE:
        return None
    if kind == "created":
        return None, _("Ticket opened with priority %(priority)s", priority=label("priority", data.get("priority", "normal")))
    if kind == "status":
        to, was = data.get("to"), data.get("from")
        if data.get("by") == "customer":
            return None, _("The customer wrote back: %(from)s → %(to)s", **{"from": label("status", was), "to": label("status", to)})
        if to == "resolved":
            return who, _("resolved the ticket")
        if to == "pending":
            return who, _("set the ticket pending (waiting on the customer)")
        if to == "open":
            return who, _("moved the ticket back to open")
        return who, _("set the status %(from)s → %(to)s", **{"from": label("status", was), "to": label("status", to)})
    if kind == "reopened":
        if data.get("by") == "customer":
            return None, _("Reopened by a new customer message")
        return who, _("reopened the ticket")
    if kind == "assignment":
        def name(user_id: Any) -> str:
            return names.get(user_id, _("user #%(id)s", id=user_id)) if user_id is not None else _("nobody")

        was, to = data.get("from"), data.get("to")
        if data.get("how") == "auto":
            return "Automatic assignment", f"assigned the ticket to {name(to)}"
        if data.get("how") == "away":
            return "Automatic assignment", f"unassigned {name(was)}, who is away"
        if data.get("how") == "take":
            return who, _("took the ticket from %(name)s", name=name(was)) if was is not None else _("took the ticket")
        if to is None:
            return who, _("unassigned themselves") if was == event.actor_id else _("unassigned %(name)s", name=name(was))
        if was is not None:
            return who, _("assigned the ticket to %(name)s (was %(was)s)", name=name(to), was=name(was))
        return who, _("assigned the ticket to %(name)s", name=name(to))
    if kind == "priority":
        values = {"from": label("priority", data.get("from")), "to": label("priority", data.get("to"))}
        if data.get("sla_policy"):
            return who, _("changed the priority %(from)s → %(to)s; the %(to)s SLA policy now applies", **values)
        return who, _("changed the priority %(from)s → %(to)s", **values)
    if kind in ("tags_added", "tags_removed"):
        tags = ", ".join(str(t) for t in data.get("tags", []))
        count = len(data.get("tags", []))
        if kind == "tags_added":
            return who, ngettext("added tag %(tags)s", "added tags %(tags)s", count, tags=tags)
        return who, ngettext("removed tag %(tags)s", "removed tags %(tags)s", count, tags=tags)
    if kind == "sla_policy":
        reason = data.get("reason") or _("priority changed")
        if retargeted:
            return who, _("re-targeted by priority %(priority)s (%(reason)s): %(clocks)s",
                          priority=label("priority", data.get("priority", "")), reason=reason, clocks="; ".join(retargeted))
        return who, _("the %(priority)s SLA policy now applies (%(reason)s); running clocks re-targeted",
                      priority=label("priority", data.get("priority", "")), reason=reason)
    if kind == "rule_fired":
        fired = _("fired: %(actions)s", actions=", ".join(data.get("actions") or []) or _("no action applied"))
        for skip in data.get("skipped") or []:
            if skip.get("reason") == "capacity":
                fired += " · " + _("not assigned to %(name)s, who is at capacity (%(load)s of %(capacity)s open tickets)",
                                   name=names.get(skip.get("user_id"), _("user #%(id)s", id=skip.get("user_id"))),
                                   load=skip.get("load"), capacity=skip.get("capacity"))
        return who, fired
    if kind == "answered_outside":
        return who, _("recorded that the customer was answered outside Inbox: %(how)s", how=data.get("how", ""))
    if kind == "reply_bounced":
        return None, _("a reply bounced (%(reason)s); it no longer counts as an answer",
                       reason=data.get("reason") or _("not delivered"))
    if kind == "merged":
        return who, _("merged into ticket #%(id)s", id=data.get("into"))
    if kind == "sla_breached":
        target = label("target", str(data.get("target", "")))
        return None, _("%(target)s target breached", target=target)
    if kind == "sentiment_corrected":
        return who, _("corrected a message's sentiment %(from)s → %(to)s",
                      **{"from": label("sentiment", data.get("from")) or _("none"), "to": label("sentiment", data.get("to"))})
    if kind == "engagement_corrected":
        return who, _("changed the ticket's kind %(from)s → %(to)s",
                      **{"from": label("engagement", data.get("from")) or _("none"), "to": label("engagement", data.get("to"))})
    return who, kind.replace("_", " ")


def ticket_thread(ticket: Ticket, when: Callable[[datetime], str] | None = None) -> list[ThreadItem]:
    """Customer messages, our replies, internal notes and what happened, oldest first. `when` writes a
    moment for the reader (default: "24 Nov 14:00" UTC)."""
    items: list[ThreadItem] = []
    for message in ticket.messages:
        items.append(ThreadItem("message" if message.direction == "inbound" else "reply", message.sent_at, message))
    for note in ticket.notes:
        items.append(ThreadItem("note", note.created_at, note, note.author.name if note.author else None))
    names = _names(ticket)
    retargets = _retargets(ticket, when or (lambda moment: moment.strftime("%d %b %H:%M")))
    for event in ticket.events:
        described = describe_event(event, names, retargets.get(event.at) if event.type == EventType.SLA_POLICY else None)
        if described is not None:
            items.append(ThreadItem("event", event.at, event, described[0], described[1]))
    return sorted(items, key=lambda i: i.sort_key)


def _retargets(ticket: Ticket, when: Callable[[datetime], str]) -> dict[datetime, list[str]]:
    """What each new policy did to the running clocks, by the moment it applied (replayed, never stored)."""
    if ticket.sla_policy is None or not any(e.type == EventType.SLA_POLICY for e in ticket.events):
        return {}
    found: dict[datetime, list[str]] = {}
    for at, target, was, due in replay_ticket(ticket).retargets:
        if due is None:
            line = _("%(target)s: no target now", target=label("target", target))
        elif was is None:
            line = _("%(target)s due %(due)s", target=label("target", target), due=when(due))
        else:
            line = _("%(target)s due %(due)s (was %(was)s)", target=label("target", target), due=when(due), was=when(was))
        found.setdefault(at, []).append(line)
    return found


@dataclass(frozen=True)
class EarlierTicket:
    ticket: Ticket
    outcome: str  # the status it ended in or is in now
    outcome_at: datetime | None


def customer_history(ticket: Ticket, limit: int = 10) -> tuple[list[EarlierTicket], int]:
    """The contact's other tickets on every channel, newest first, and how many there are in all."""
    others = Ticket.contact_id == ticket.contact_id, Ticket.id != ticket.id
    total = db.session.scalar(select(func.count()).select_from(Ticket).where(*others)) or 0
    rows = db.session.scalars(select(Ticket).where(*others).order_by(Ticket.opened_at.desc(), Ticket.id.desc()).limit(limit))
    history = [EarlierTicket(row, row.status, row.resolved_at if row.status in ("resolved", "closed") else None) for row in rows]
    return history, total


def sla_clocks(ticket: Ticket) -> list[ClockResult]:
    """The latest clock per target (first response, next response, resolution) that exists."""
    if ticket.sla_policy is None:
        return []
    result = replay_ticket(ticket)
    clocks = [result.current(target) for target in (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)]
    return [c for c in clocks if c is not None and c.outcome != "cancelled"]
