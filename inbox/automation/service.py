"""Rules against the database: the facts of an arriving message, and applying what fires.

Each firing's actions go through the same actions as the ticket page (priority re-targets the SLA
clocks, tags are normalised, pending pauses them), in one transaction, and every event they add
names the rule, so the ticket's history reads "Rule “Refunds to billing” assigned the ticket to Bea"."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..assignment.engine import try_assign
from ..auth.models import User
from ..extensions import db
from ..tickets.events import EventType
from ..tickets.models import (
    OPEN_STATUSES,
    CannedResponse,
    Message,
    Tag,
    Ticket,
    TicketEvent,
    ticket_tags,
)
from ..tickets.read.representation import sla_state
from ..tickets.signals import announce, rule_fired
from ..tickets.sla.calendar import open_intervals
from ..tickets.sla.policies import calendar_of
from ..tickets.workspace.actions import ActionError, _set_pending, _set_priority
from ..tickets.workspace.canned import render_canned
from ..tickets.workspace.replies import queue_reply
from ..tickets.workspace.tags import _add_tags, normalize_tag
from ..timeutil import utcnow
from ..voice.surveys.service import channel_can_reply
from .models import AutomationRule
from .rules import Facts, Firing, Rule, describe_actions, evaluate

log = logging.getLogger(__name__)

MAX_TESTER_MESSAGES = 200


def active_rules() -> list[Rule]:
    rows = db.session.scalars(select(AutomationRule).where(AutomationRule.active.is_(True))
                              .order_by(AutomationRule.position, AutomationRule.id))
    return [Rule(r.id, r.name, r.conditions or {}, r.actions or {}, r.stop_processing) for r in rows]


def _in_business_hours(ticket: Ticket, at: datetime) -> bool:
    calendar = calendar_of(ticket.sla_policy.calendar if ticket.sla_policy is not None else None)
    for start, end in open_intervals(at, calendar):
        return start <= at < end
    return False


def _sla_state(ticket: Ticket, now: datetime) -> str:
    return sla_state(ticket, now)


def customer_tags(contact_id: int) -> frozenset[str]:
    """The tags on any of the customer's tickets: what the team has learnt about them."""
    rows = db.session.scalars(select(Tag.name).join(ticket_tags, ticket_tags.c.tag_id == Tag.id)
                              .join(Ticket, Ticket.id == ticket_tags.c.ticket_id).where(Ticket.contact_id == contact_id).distinct())
    return frozenset(rows)


def facts_for(message: Message, now: datetime | None = None) -> Facts:
    ticket = message.ticket
    assert ticket is not None
    now = now or utcnow()
    followers = message.identity.followers if message.identity is not None else None
    return Facts(channel=ticket.channel, account_id=message.account_id, kind=message.kind, language=message.lang,
                 sentiment=message.effective_sentiment, text=message.text, followers=followers,
                 customer_tags=customer_tags(ticket.contact_id), in_business_hours=_in_business_hours(ticket, message.sent_at),
                 sla_state=_sla_state(ticket, now), engagement=ticket.engagement)


def _mark(ticket: Ticket, rule: Rule, before: set[int]) -> None:
    """Name the rule on every event its actions added (they have no person as actor)."""
    for event in ticket.events:
        if id(event) not in before:
            event.data = {**(event.data or {}), "rule": rule.name, "rule_id": rule.id}


# the keys of a rule's actions under the names `_apply` reports them by
_ACTION_KEY = {"priority": "priority", "add_tags": "add_tags", "set_pending": "set_pending", "assign": "assign",
               "canned": "canned_id", "webhook": "webhook"}


def _apply(ticket: Ticket, firing: Firing, now: datetime) -> list[str]:
    """The actions of one firing (those that apply now); ActionError of one action skips just that one.

    The rule's history row and its `rule.fired` signal come last, after every action (the assignment
    and the acknowledgement commit on their own): they name the actions taken, and the webhook's
    ticket is the ticket as the rule left it."""
    actions, done = firing.actions, []
    rule_data = {"rule": firing.rule.name, "rule_id": firing.rule.id}
    ticket_id = ticket.id
    before = {id(e) for e in ticket.events}
    steps: list[tuple[str, Any]] = []
    if actions.get("priority") and actions["priority"] != ticket.priority:
        steps.append(("priority", lambda: _set_priority(ticket, actions["priority"], None, now)))  # type: ignore[arg-type]
    if actions.get("add_tags"):
        names = [normalize_tag(t) for t in actions["add_tags"]]
        if set(names) - {t.name for t in ticket.tags}:
            steps.append(("add_tags", lambda: _add_tags(ticket, names, None, now)))  # type: ignore[arg-type]
    if actions.get("set_pending") and ticket.status in ("new", "open"):
        steps.append(("set_pending", lambda: _set_pending(ticket, None, now)))
    for name, step in steps:
        try:
            step()
            done.append(name)
        except ActionError as exc:
            log.info("rule %s on ticket %s: %s skipped (%s)", firing.rule.name, ticket.id, name, exc)
    _mark(ticket, firing.rule, before)
    db.session.commit()
    skipped: list[dict[str, Any]] = []
    assign = actions.get("assign") or {}
    if assign.get("mode") == "agent" and ticket.assignee_id is None:
        outcome = _assign(ticket_id, assign.get("user_id"), now, rule_data)
        if outcome is None:
            done.append("assign")
        elif outcome:
            skipped.append(outcome)
    if actions.get("canned_id") and _acknowledge(ticket_id, actions["canned_id"]):
        done.append("canned")
    if actions.get("webhook"):
        done.append("webhook")
    taken = {_ACTION_KEY[name]: actions[_ACTION_KEY[name]] for name in done}
    event_data: dict[str, Any] = {**rule_data, "actions": describe_actions(taken, _names(taken), _canned(taken))}
    if skipped:
        event_data["skipped"] = skipped
    db.session.add(TicketEvent(ticket_id=ticket_id, type=EventType.RULE_FIRED, actor_id=None, at=now, data=event_data))
    if actions.get("webhook"):
        announce(db.session, rule_fired, ticket_id, {**rule_data, "actions": taken, "skipped": skipped}, now)
    db.session.commit()
    return done


def _assign(ticket_id: int, user_id: Any, now: datetime, rule_data: dict[str, Any]) -> dict[str, Any] | None:
    """The rule's "assign to": None when done; what stopped it otherwise ({} when someone else was quicker).
    The agent's capacity holds as for automatic assignment: a rule never gives a fourth ticket to an
    agent who takes three; the ticket then waits for automatic assignment or a person."""
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        return {"action": "assign", "user_id": user_id, "reason": "inactive"}
    user_id, capacity = user.id, user.capacity
    if try_assign(ticket_id, user_id, capacity, now, how="rule", data=rule_data):
        return None
    if db.session.scalar(select(Ticket.assignee_id).where(Ticket.id == ticket_id)) is not None:
        return {}
    load = db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.assignee_id == user_id, Ticket.status.in_(OPEN_STATUSES))) or 0
    log.info("rule %s on ticket %s: not assigned to user %s, at capacity (%s of %s)", rule_data["rule"], ticket_id, user_id,
             load, capacity)
    return {"action": "assign", "user_id": user_id, "reason": "capacity", "load": int(load), "capacity": capacity}


def _names(actions: dict[str, Any]) -> dict[int, str]:
    user_id = (actions.get("assign") or {}).get("user_id")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return {user.id: user.name} if user else {}


def _canned(actions: dict[str, Any]) -> dict[int, str]:
    row = db.session.get(CannedResponse, actions["canned_id"]) if isinstance(actions.get("canned_id"), int) else None
    return {row.id: row.title} if row else {}


def _acknowledge(ticket_id: int, canned_id: int) -> bool:
    """A canned acknowledgement, only where the channel can send and only as the ticket's first reply."""
    ticket = db.session.get(Ticket, ticket_id)
    canned = db.session.get(CannedResponse, canned_id)
    if ticket is None or canned is None or not canned.active or not channel_can_reply(ticket):
        return False
    if any(m.direction == "outbound" and m.sent_by_id is not None for m in ticket.messages):
        return False
    sender = db.session.get(User, canned.created_by_id) if canned.created_by_id else None
    if sender is None:
        return False
    try:
        queue_reply(ticket, sender, render_canned(canned, ticket, sender))
    except ActionError as exc:
        log.info("acknowledgement on ticket %s not sent: %s", ticket_id, exc)
        return False
    return True


def run_for_message(account_id: int, external_id: str, now: datetime | None = None) -> list[str]:
    """Evaluate the active rules for one arrived customer message and apply what fires; the rule names."""
    now = now or utcnow()
    message = db.session.scalar(select(Message).where(Message.account_id == account_id, Message.external_id == external_id))
    if message is None or message.ticket is None or message.direction != "inbound":
        return []
    fired = evaluate(active_rules(), facts_for(message, now))
    for firing in fired:
        _apply(message.ticket, firing, now)
    return [f.rule.name for f in fired]


def run_for_sla_change(ticket_id: int, now: datetime | None = None) -> list[str]:
    """A ticket's SLA state changed (at risk, breached): the active rules with an SLA-state condition run
    again on its latest customer message; rules without one ran when the message arrived."""
    now = now or utcnow()
    message = db.session.scalar(select(Message).where(Message.ticket_id == ticket_id, Message.direction == "inbound")
                                .order_by(Message.sent_at.desc(), Message.id.desc()).limit(1))
    if message is None or not message.ticket.is_open:
        return []
    rules = [r for r in active_rules() if r.conditions.get("sla_states")]
    fired = evaluate(rules, facts_for(message, now))
    for firing in fired:
        _apply(message.ticket, firing, now)
    return [f.rule.name for f in fired]


def try_rule(rule: Rule, limit: int = 50) -> list[tuple[Message, list[str]]]:
    """The rule tester: the last `limit` customer messages, each with what the rule would have done
    (an empty list: it would not have fired). Reads only."""
    limit = max(1, min(limit, MAX_TESTER_MESSAGES))
    rows = list(db.session.scalars(select(Message).where(Message.direction == "inbound", Message.ticket_id.is_not(None))
                                   .order_by(Message.sent_at.desc(), Message.id.desc()).limit(limit)))
    now = utcnow()
    names, canned = _names(rule.actions), _canned(rule.actions)
    return [(m, describe_actions(rule.actions, names, canned) if evaluate([rule], facts_for(m, now)) else []) for m in rows]
