"""The SLA sweep: states, breaches recorded once, notifications once, the webhook as its own job."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import func, select

from inbox.auth.users import create_user
from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import Sentiment
from inbox.tickets.workspace.actions import set_pending
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Ticket, TicketEvent
from inbox.tickets.read.queries import view_conditions
from inbox.notifications.models import Notification
from inbox.tickets.sla.models import SlaBreach, SlaWarning
from inbox.tickets.sla.sweep import sweep
from tests.helpers import message

NOW = datetime.now(timezone.utc)


def _open(conv: str, at: datetime, channel: str = "x", assignee=None) -> Ticket:
    account, _ = get_or_create_account(channel.upper(), "jsonl", channel)
    record = message(f"m-{conv}", conv, "where is my parcel", at, author=f"a-{conv}")
    ingest_messages(account, [message_from_record(record)], [Sentiment("neutral", 0.9, "test-fixture")], timedelta(days=7))
    ticket = db.session.scalars(select(Ticket).where(Ticket.conversation_key == conv)).one()
    if assignee is not None:
        ticket.assignee_id = assignee.id
        db.session.commit()
    return ticket


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def lead(app):
    user, _ = create_user("lead@example.com", "Lee Lead", "lead", "correct horse battery")
    return user


def test_breach_is_recorded_and_notified_exactly_once_across_two_sweeps(app, agent, lead):
    late = _open("late", NOW - timedelta(hours=5), assignee=agent)  # X: first response due after 4 h
    _open("fine", NOW - timedelta(hours=1))  # on track: nothing recorded for it
    first = sweep(NOW)
    second = sweep(NOW + timedelta(minutes=1))
    assert (first.breaches, second.breaches) == (1, 0)
    breach = db.session.scalars(select(SlaBreach)).one()
    assert (breach.ticket_id, breach.target, breach.due_at) == (late.id, "first_response", late.opened_at + timedelta(hours=4))
    # stamped with the deadline it missed; the sweep's own time is when it was seen and notified
    assert (breach.breached_at, breach.recorded_at) == (breach.due_at, NOW)
    assert _count(TicketEvent, TicketEvent.type == "sla_breached") == 1
    event = db.session.scalars(select(TicketEvent).where(TicketEvent.type == "sla_breached")).one()
    assert event.data["target"] == "first_response" and event.ticket_id == late.id
    notes = db.session.scalars(select(Notification).where(Notification.kind == "sla_breach").order_by(Notification.user_id)).all()
    assert [(n.user_id, n.ticket_id) for n in notes] == [(agent.id, late.id), (lead.id, late.id)]
    assert notes[0].text == f"Ticket #{late.id}: First response target breached" and notes[0].created_at == NOW
    db.session.expire_all()
    assert [t.id for t in db.session.scalars(select(Ticket).where(*view_conditions("breached", None, NOW)))] == [late.id]


def test_at_risk_after_the_warning_fraction_warned_once_per_deadline(app, agent):
    risky = _open("risky", NOW - timedelta(hours=2), assignee=agent)
    calm = _open("calm", NOW - timedelta(hours=1))
    at = NOW + timedelta(hours=1, minutes=30)  # 3 h 30 of 4 h: past 80 %
    assert [t.id for t in db.session.scalars(select(Ticket).where(*view_conditions("at_risk", None, NOW)))] == []
    result = sweep(at)
    assert result.newly_at_risk == 1 and result.breaches == 0
    assert sweep(at + timedelta(minutes=1)).warnings == 0  # the same deadline warns once
    warning = db.session.scalars(select(SlaWarning)).one()
    assert (warning.ticket_id, warning.target, warning.due_at) == (risky.id, "first_response", risky.opened_at + timedelta(hours=4))
    (note,) = db.session.scalars(select(Notification).where(Notification.kind == "sla_at_risk")).all()
    assert (note.user_id, note.text) == (agent.id, f"Ticket #{risky.id}: First response at risk")
    assert [t.id for t in db.session.scalars(select(Ticket).where(*view_conditions("at_risk", None, at)))] == [risky.id]
    assert calm.id not in [t.id for t in db.session.scalars(select(Ticket).where(*view_conditions("at_risk", None, at)))]


def test_a_new_deadline_after_a_breach_is_a_new_breach(app, agent, lead):
    ticket = _open("twice", NOW - timedelta(hours=30))
    sweep(NOW)  # first response and resolution (24 h) both overdue
    assert sorted(b.target for b in db.session.scalars(select(SlaBreach))) == ["first_response", "resolution"]
    account = ticket.account
    ingest_messages(account, [message_from_record(message("brand-1", "twice", "on it", NOW - timedelta(hours=10), direction="outbound", author="brand"))], [None], timedelta(days=7))
    ingest_messages(account, [message_from_record(message("m-2", "twice", "still waiting", NOW - timedelta(hours=5), author="a-twice"))], [Sentiment("negative", 0.9, "t")], timedelta(days=7))
    sweep(NOW + timedelta(minutes=1))
    sweep(NOW + timedelta(minutes=2))
    assert sorted(b.target for b in db.session.scalars(select(SlaBreach))) == ["first_response", "next_response", "resolution"]
    assert _count(Notification, Notification.user_id == lead.id) == 3


def test_pending_ticket_does_not_breach_on_paused_clocks(app, agent):
    ticket = _open("waiting", NOW - timedelta(hours=30))
    account = ticket.account
    ingest_messages(account, [message_from_record(message("brand-w", "waiting", "could you send the order number?", NOW - timedelta(hours=29, minutes=50), direction="outbound", author="brand"))], [None], timedelta(days=7))
    ticket = db.session.get(Ticket, ticket.id)
    set_pending(ticket, agent)
    ticket.events[-1].at = NOW - timedelta(hours=29, minutes=40)  # the agent set pending right after answering
    db.session.commit()
    from inbox.tickets.sla.outcomes import refresh

    refresh(ticket, NOW)
    db.session.commit()
    assert ticket.due_at is None and ticket.resolution_due_at is None
    assert sweep(NOW).breaches == 0


class _Hook(BaseHTTPRequestHandler):
    received: list = []
    statuses: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = self.statuses.pop(0) if self.statuses else 204
        self.received.append((status, json.loads(body)))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_server(monkeypatch):
    monkeypatch.setenv("INBOX_OUTBOUND_ALLOW", "127.0.0.1")  # the receiver is on this machine
    _Hook.received, _Hook.statuses = [], []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_sweep_job_posts_breaches_to_the_webhook(app, run_jobs, hook_server):
    from inbox.jobqueue import enqueue
    from inbox.webhooks.service import create_subscription

    create_subscription("breaches", f"http://127.0.0.1:{hook_server.server_port}/hooks/sla", ["sla.breached"], None)
    late = _open("hooked", NOW - timedelta(hours=5))
    enqueue("sla_sweep")
    run_jobs()
    (_status, payload), = _Hook.received
    assert payload["type"] == "sla.breached"
    assert (payload["data"]["ticket"]["id"], payload["data"]["target"]) == (late.id, "first_response")
    # the sweep job again: nothing new, nothing posted
    enqueue("sla_sweep")
    run_jobs()
    assert len(_Hook.received) == 1


def test_failed_webhook_delivery_is_retried_by_rq(app, run_jobs, hook_server):
    from rq.registry import ScheduledJobRegistry

    from inbox.jobqueue import DELIVERY_QUEUE, enqueue, get_queue
    from inbox.webhooks.service import create_subscription

    create_subscription("breaches", f"http://127.0.0.1:{hook_server.server_port}/", ["sla.breached"], None)
    _open("flaky", NOW - timedelta(hours=5))
    _Hook.statuses = [500]
    enqueue("sla_sweep")
    run_jobs()
    assert [s for s, _ in _Hook.received] == [500]
    registry = ScheduledJobRegistry(queue=get_queue(DELIVERY_QUEUE)).get_job_ids()
    assert [j for j in registry if j.startswith("webhook-")]  # retry booked in a minute
