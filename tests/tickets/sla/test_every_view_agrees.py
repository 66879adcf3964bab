"""Every view tells the same SLA story: random histories (messages in, replies delivered or failed,
pending, reopen, resolve, priority changes re-targeting the clocks, sweeps at random times) are
recorded the way the services record them, then the ticket page's clocks, the list's views, the
sweep's breaches, the dashboard's figures and the CSV row are compared."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from inbox.extensions import db
from inbox.tickets.models import SlaPolicy, Ticket, TicketEvent
from inbox.tickets.read.queries import view_conditions
from inbox.tickets.reports.csv_export import outcome_word, ticket_rows
from inbox.tickets.reports.metrics import report
from inbox.tickets.sla.models import SlaBreach
from inbox.tickets.sla.clock import ClockEvent, replay
from inbox.tickets.sla.outcomes import policy_terms, replay_ticket
from inbox.tickets.sla.policies import apply_priority_policy
from inbox.tickets.sla.sweep import sweep
from tests.tickets.sla.fixtures import history_ticket

UTC = timezone.utc
_example = itertools.count()
ACTIONS = ("customer", "reply", "failed", "pending", "back", "resolve", "reopen", "urgent", "normal", "sweep")


def _apply(ticket: Ticket, action: str, at: datetime, state: dict) -> None:
    """Record one action as the services would (the SLA writer runs on commit); skip what cannot happen now."""
    status = state["status"]
    if action == "sweep":
        sweep(at)
        state["swept"].append(at)
        return
    if action == "customer":
        if status == "pending":
            ticket.events.append(TicketEvent(type="status", at=at, data={"from": "pending", "to": "open", "by": "customer"}))
            state["status"] = "open"
        if status == "resolved":
            ticket.events.append(TicketEvent(type="reopened", at=at, data={"by": "customer"}))
            state["status"] = "open"
        ticket.events.append(TicketEvent(type="customer_message", at=at, data={}))
    elif action in ("reply", "failed") and status != "resolved":
        ticket.events.append(TicketEvent(type="reply_queued", at=at, data={"message_id": 0}))
        ticket.events.append(TicketEvent(type="reply_delivered" if action == "reply" else "reply_failed", at=at + timedelta(seconds=5),
                                         data={"message_id": 0}))
        if status == "new":
            state["status"] = "open"
    elif action == "pending" and status in ("new", "open"):
        ticket.events.append(TicketEvent(type="status", at=at, data={"from": status, "to": "pending"}))
        state["status"] = "pending"
    elif action == "back" and status == "pending":
        ticket.events.append(TicketEvent(type="status", at=at, data={"from": "pending", "to": "open"}))
        state["status"] = "open"
    elif action == "resolve" and status != "resolved":
        ticket.events.append(TicketEvent(type="status", at=at, data={"from": status, "to": "resolved"}))
        state["status"] = "resolved"
    elif action == "reopen" and status == "resolved":
        ticket.events.append(TicketEvent(type="reopened", at=at, data={"by": "agent"}))
        state["status"] = "open"
    elif action in ("urgent", "normal") and ticket.priority != action:
        ticket.priority = action
        apply_priority_policy(ticket, action, at)
    else:
        return
    ticket.status = state["status"]
    ticket.resolved_at = at if state["status"] == "resolved" else None
    db.session.commit()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(min_value=1, max_value=8 * 60)), min_size=1, max_size=14),
       channel=st.sampled_from(["x", "sms", "email"]))
def test_page_list_sweep_dashboard_and_csv_agree(app, steps, channel):
    if db.session.scalar(select(SlaPolicy.id).where(SlaPolicy.channel == channel, SlaPolicy.priority == "urgent")) is None:
        default = db.session.scalar(select(SlaPolicy).where(SlaPolicy.channel == channel, SlaPolicy.priority.is_(None)))
        db.session.add(SlaPolicy(channel=channel, priority="urgent", first_response_minutes=30, next_response_minutes=30,
                                 resolution_minutes=240, calendar_id=default.calendar_id))
        db.session.commit()
    # each example in a range of its own: the dashboard's figures are this ticket's alone
    start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) - timedelta(days=10 + 3 * next(_example))
    ticket = history_ticket(channel, [("created", start, None)])
    state = {"status": "new", "swept": []}
    at = start
    for action, minutes in steps:
        at += timedelta(minutes=minutes)
        _apply(ticket, action, at, state)
    now = at + timedelta(minutes=1)
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    result = replay_ticket(ticket, now)

    # the list (and the dashboard's queues, which use the same views) against the page's clocks
    views = {v for v in ("breached", "at_risk", "open") if db.session.scalar(
        select(Ticket.id).where(Ticket.id == ticket.id, *view_conditions(v, None, now))) is not None}
    page_state = result.state_at(now) if ticket.is_open else None
    assert ("breached" in views) == (page_state == "breached")
    assert ("at_risk" in views) == (page_state == "at_risk")
    assert ("open" in views) == ticket.is_open
    deadline = result.next_deadline()
    assert (ticket.due_at, ticket.due_target) == ((deadline.due_at, deadline.target) if deadline and ticket.is_open else (None, None))

    # every breach the sweeps recorded is a deadline the page shows as missed or overdue, stamped with it
    clocks = {(c.target, c.due_at): c for c in result.clocks if c.due_at is not None}
    breaches = list(db.session.scalars(select(SlaBreach).where(SlaBreach.ticket_id == ticket.id)))
    for breach in breaches:
        clock = clocks.get((breach.target, breach.due_at))
        assert clock is not None and clock.outcome in ("missed", "breached"), (breach.target, breach.due_at, result.clocks)
        assert breach.breached_at == breach.due_at
    assert len({(b.target, b.due_at) for b in breaches}) == len(breaches)
    # every deadline a stopped clock missed was recorded when it stopped, sweep or no sweep (issue 24.2)
    stopped_late = {(c.target, c.due_at) for c in result.clocks
                    if c.outcome == "missed" and c.due_at is not None and c.stopped_at is not None and c.due_at <= c.stopped_at}
    assert stopped_late <= {(b.target, b.due_at) for b in breaches}, (stopped_late, breaches)
    # and every deadline overdue when a sweep ran was recorded by it
    if state["swept"]:
        swept_at = state["swept"][-1]
        terms, initial = policy_terms(ticket)
        then = replay([ClockEvent(e.type, e.at, e.data) for e in ticket.events if e.at <= swept_at], terms, swept_at, initial)
        overdue = {(c.target, c.due_at) for c in then.clocks if c.outcome == "breached"}
        assert overdue <= {(b.target, b.due_at) for b in breaches}, (overdue, breaches)

    # the dashboard's figures and the CSV row against the page's clocks
    met = sum(1 for c in result.clocks if c.outcome == "met")
    missed = sum(1 for c in result.clocks if c.outcome in ("missed", "breached"))
    total = report(start - timedelta(days=1), start + timedelta(days=1), now).total
    assert (total.met, total.missed) == (met, missed)
    assert total.answered == (1 if result.first_response_at else 0)
    (row,) = [dict(zip(rows[0], r)) for rows in [list(ticket_rows(start - timedelta(days=1), start + timedelta(days=1), UTC, now))]
              for r in rows[1:] if r[0] == ticket.id]
    first = result.current("first_response")
    if first is not None:
        expected = {"running": "running", "breached": "breached", "paused": "paused", "met": "met", "cancelled": ""}.get(
            first.outcome, f"missed: {first.missed_reason}" if first.missed_reason else "missed")
        if expected == "running" and page_state == "at_risk" and ticket.due_target == "first_response":
            expected = "at_risk"
        assert row["first_response_outcome"] == expected
    assert outcome_word("running", now, now) == "breached" and outcome_word("none", None, now) == ""
