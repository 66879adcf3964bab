"""Threading and reopen rules: the pure rule, then through ingestion."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.tickets.workspace.actions import resolve_ticket
from inbox.tickets.rules.placement import Placement, TicketSnapshot, place_message
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.sla.models import SlaBreach
from inbox.tickets.models import Ticket, TicketEvent
from inbox.sentiment import Sentiment
from tests.helpers import message

T = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
WEEK = timedelta(days=7)


@pytest.mark.parametrize(
    ("latest", "inbound", "at", "expected"),
    [
        (None, True, T, Placement.NEW),
        (TicketSnapshot("new", None), True, T, Placement.JOIN),
        (TicketSnapshot("pending", None), True, T, Placement.JOIN),
        (TicketSnapshot("resolved", T - timedelta(days=6, hours=23)), True, T, Placement.REOPEN),
        (TicketSnapshot("resolved", T - timedelta(days=7)), True, T, Placement.REOPEN),
        (TicketSnapshot("resolved", T - timedelta(days=7, seconds=1)), True, T, Placement.NEW),
        (TicketSnapshot("closed", T - timedelta(hours=1)), True, T, Placement.NEW),
        (TicketSnapshot("resolved", T - timedelta(hours=1)), False, T, Placement.JOIN),
    ],
)
def test_place_message(latest, inbound, at, expected):
    assert place_message(latest, at, inbound, WEEK) is expected


def _ingest(account, *records):
    messages = [message_from_record(r) for r in records]
    sentiments = [Sentiment("negative", 0.9, "test-fixture") if m.direction == "inbound" else None for m in messages]
    return ingest_messages(account, messages, sentiments, WEEK)


def test_same_conversation_joins_and_reopens_within_window(app, agent):
    account, _ = get_or_create_account("X", "jsonl", "x")
    now = datetime.now(timezone.utc)
    _ingest(account, message("1", "conv", "broken again", now - timedelta(days=3), author="ann"))
    _ingest(account, message("2", "conv", "hello?", now - timedelta(days=3) + timedelta(minutes=5), author="ann"))
    (ticket,) = db.session.scalars(select(Ticket)).all()
    assert ticket.message_count == 2
    resolve_ticket(ticket, agent)

    # back within 7 days: the same ticket reopens
    now = datetime.now(timezone.utc)
    _ingest(account, message("3", "conv", "it broke again", now, author="ann"))
    db.session.refresh(ticket)
    assert ticket.status == "open" and ticket.resolved_at is None and ticket.message_count == 3
    types = [e.type for e in db.session.scalars(select(TicketEvent).order_by(TicketEvent.id)) if e.type != "customer_message"]
    # resolved three days in without a reply: both deadlines had passed, and the resolution breached them
    # then, stamped with each deadline (issue 24.2: no sweep ran in between)
    assert types == ["created", "status", "sla_breached", "sla_breached", "reopened"]
    breaches = db.session.execute(select(SlaBreach.target, SlaBreach.breached_at).order_by(SlaBreach.target)).all()
    opened = ticket.opened_at
    assert breaches == [("first_response", opened + timedelta(hours=4)), ("resolution", opened + timedelta(hours=24))]
    assert ticket.next_response_due_at == now + timedelta(hours=4)


def test_late_message_on_resolved_ticket_starts_new_ticket(app, agent):
    account, _ = get_or_create_account("X", "jsonl", "x")
    old = datetime.now(timezone.utc) - timedelta(days=30)
    _ingest(account, message("1", "conv", "first problem", old, author="ann"))
    first = db.session.scalars(select(Ticket)).one()
    resolve_ticket(first, agent)
    first.resolved_at = old + timedelta(hours=1)  # resolved a month ago
    db.session.commit()
    _ingest(account, message("2", "conv", "new problem", datetime.now(timezone.utc), author="ann"))
    tickets = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    assert [t.status for t in tickets] == ["resolved", "new"]
    assert tickets[0].contact_id == tickets[1].contact_id  # same customer, history kept


def test_brand_reply_records_first_response_and_customer_reply_sets_next_response(app):
    account, _ = get_or_create_account("X", "jsonl", "x")
    t0 = datetime.now(timezone.utc) - timedelta(hours=1)
    _ingest(
        account,
        message("1", "conv", "where is my order", t0, author="ann"),
        message("2", "conv", "Sorry! Checking now.", t0 + timedelta(minutes=12), author="brand", direction="outbound"),
        message("3", "conv", "thanks, still waiting", t0 + timedelta(minutes=30), author="ann", kind="reply"),
    )
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.first_response_at == t0 + timedelta(minutes=12)
    assert ticket.status == "open"
    assert ticket.next_response_due_at == t0 + timedelta(minutes=30) + timedelta(hours=4)
    assert ticket.due_at == ticket.next_response_due_at


def test_brand_post_alone_starts_no_ticket_but_gives_context(app):
    account, _ = get_or_create_account("X", "jsonl", "x")
    t0 = datetime.now(timezone.utc) - timedelta(hours=2)
    _ingest(account, message("b1", "launch", "Our new plan is live!", t0, author="brand", direction="outbound"))
    assert db.session.scalars(select(Ticket)).all() == []
    _ingest(account, message("c1", "launch", "the plan page is broken", t0 + timedelta(hours=1), author="ann", kind="reply", in_reply_to="b1"))
    ticket = db.session.scalars(select(Ticket)).one()
    assert [m.external_id for m in ticket.messages] == ["b1", "c1"]
    assert ticket.first_response_at is None  # the brand's earlier post is not an answer


def test_priority_rises_with_reach_and_negativity(app):
    account, _ = get_or_create_account("X", "jsonl", "x")
    now = datetime.now(timezone.utc)
    _ingest(account, message("1", "big", "this is awful", now, author="celebrity", followers=250_000))
    assert db.session.scalars(select(Ticket)).one().priority == "urgent"
