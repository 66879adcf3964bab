"""Issue 24, SLA items 2-5: every missed deadline breaches exactly once, whenever it is discovered (the
sweep, or the event that stops the clock), stamped with its deadline; a raised priority's breach carries
the deadline the new target set; the page and the exports say what happened."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from inbox.auth.users import create_user
from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.notifications.models import Notification
from inbox.sentiment import Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Ticket, TicketEvent
from inbox.tickets.read.thread import ticket_thread
from inbox.tickets.reports.csv_export import summary_rows, ticket_rows
from inbox.tickets.signals import sla_breached
from inbox.tickets.sla.models import SlaBreach
from inbox.tickets.sla.sweep import sweep
from inbox.tickets.workspace.actions import mark_answered_outside, resolve_ticket, set_priority
from tests.helpers import message

NOW = datetime.now(timezone.utc).replace(microsecond=0)
H = timedelta(hours=1)


def _open(conv: str, at: datetime, assignee=None) -> Ticket:
    account, _ = get_or_create_account("X", "jsonl", "x")  # X: first response 4 h, resolution 24 h
    record = message(f"m-{conv}", conv, "where is my parcel", at, author=f"a-{conv}")
    ingest_messages(account, [message_from_record(record)], [Sentiment("neutral", 0.9, "test-fixture")], timedelta(days=7))
    ticket = db.session.scalars(select(Ticket).where(Ticket.conversation_key == conv)).one()
    if assignee is not None:
        ticket.assignee_id = assignee.id
        db.session.commit()
    return ticket


@pytest.fixture
def lead(app):
    user, _ = create_user("lead@example.com", "Lee Lead", "lead", "correct horse battery")
    return user


def _breaches(ticket: Ticket) -> list[tuple[str, datetime]]:
    return [tuple(r) for r in db.session.execute(select(SlaBreach.target, SlaBreach.breached_at)
                                                 .where(SlaBreach.ticket_id == ticket.id).order_by(SlaBreach.id))]


def test_a_late_answer_with_no_sweep_in_between_breaches_once_stamped_with_the_deadline(app, agent, lead):
    ticket = _open("late", NOW - 5 * H, assignee=agent)
    heard = []
    with sla_breached.connected_to(lambda _s, event: heard.append(event)):
        mark_answered_outside(ticket, agent, NOW - 40 * timedelta(minutes=1), "called them back")  # 20 min late
    due = ticket.opened_at + 4 * H
    assert _breaches(ticket) == [("first_response", due)]
    assert [(e.type, e.data["target"], e.data["breached_at"]) for e in heard] == [("sla.breached", "first_response", due.isoformat())]
    event = db.session.scalars(select(TicketEvent).where(TicketEvent.type == "sla_breached")).one()
    assert (event.ticket_id, event.at) == (ticket.id, due)
    notes = db.session.scalars(select(Notification).where(Notification.kind == "sla_breach").order_by(Notification.user_id)).all()
    assert [(n.user_id, n.ticket_id) for n in notes] == [(agent.id, ticket.id), (lead.id, ticket.id)]
    # a sweep afterwards finds nothing running to breach, and records nothing twice
    assert sweep(NOW).breaches == 0 and len(_breaches(ticket)) == 1


def test_a_resolution_without_reply_after_the_due_time_breaches(app, agent):
    ticket = _open("silent", NOW - 30 * H)
    resolve_ticket(ticket, agent)
    assert _breaches(ticket) == [("first_response", ticket.opened_at + 4 * H), ("resolution", ticket.opened_at + 24 * H)]
    # resolving before the deadline is a miss of a promise that had not yet passed: no breach
    early = _open("early", NOW - H)
    resolve_ticket(early, agent)
    assert _breaches(early) == []


def test_the_sweep_first_then_the_late_answer_still_one_breach(app, agent):
    ticket = _open("swept", NOW - 5 * H)
    assert sweep(NOW - 30 * timedelta(minutes=1)).breaches == 1
    mark_answered_outside(ticket, agent, NOW - 10 * timedelta(minutes=1), "email from a phone")
    assert len(_breaches(ticket)) == 1
    assert db.session.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.type == "sla_breached")) == 1


def test_a_raised_priority_breaches_at_the_deadline_it_sets_and_the_history_says_so(app, agent, lead):
    from inbox.tickets.models import SlaPolicy

    db.session.add(SlaPolicy(channel="x", priority="urgent", first_response_minutes=15, resolution_minutes=120, active=True))
    db.session.commit()
    ticket = _open("raised", NOW - 30 * timedelta(minutes=1))
    set_priority(ticket, "urgent", lead)  # 30 min used of a 15 min target: missed at opened + 15 min
    db.session.refresh(ticket)
    due = ticket.opened_at + timedelta(minutes=15)
    assert ticket.first_response_due_at == due
    sweep(NOW)
    assert _breaches(ticket) == [("first_response", due)]
    line = next(i.text for i in ticket_thread(ticket) if i.kind == "event" and i.item.type == "sla_policy")
    was = (ticket.opened_at + 4 * H).strftime("%d %b %H:%M")
    assert line.startswith("re-targeted by priority urgent") and f"First response due {due:%d %b %H:%M} (was {was})" in line


def test_the_ticket_page_never_says_answered_for_a_ticket_resolved_without_reply(logged_in, agent):
    ticket = _open("unanswered", NOW - 30 * H)
    resolve_ticket(ticket, agent)
    page = logged_in.get(f"/tickets/{ticket.id}").data.decode()
    assert "never answered (resolved" in page
    timers = page[page.index('class="timers"'):page.index("</dl>", page.index('class="timers"'))]
    assert "answered " not in timers.replace("never answered", "")


def test_at_risk_is_in_the_exports(app, agent):
    risky = _open("risky", NOW - 3 * H - 24 * timedelta(minutes=1))  # 85 % of 4 h
    _open("calm", NOW - H)
    sweep(NOW)
    start, end = NOW - 2 * timedelta(days=1), NOW + H
    rows = list(csv.DictReader(io.StringIO("".join(",".join(map(str, r)) + "\n" for r in ticket_rows(start, end, timezone.utc, NOW)))))
    by_id = {int(r["ticket_id"]): r for r in rows}
    assert (by_id[risky.id]["first_response_outcome"], by_id[risky.id]["sla_state"]) == ("at_risk", "at_risk")
    assert [r["sla_state"] for r in rows if int(r["ticket_id"]) != risky.id] == ["on_track"]
    days = list(summary_rows(start, end, timezone.utc, NOW))
    header, body = days[0], days[1:]
    assert sum(int(row[header.index("at_risk_now")]) for row in body) == 1
