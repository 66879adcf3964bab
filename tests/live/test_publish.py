"""Ticket changes reach Redis pub/sub after the commit, from the web process and from the worker."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from inbox.app import create_app
from inbox.auth.users import create_user
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.jobqueue import enqueue
from inbox.live import TICKET_CHANNEL
from inbox.live.publish import SEQUENCE_KEY
from inbox.redis_client import get_redis
from inbox.tickets.workspace.actions import resolve_ticket
from inbox.tickets.workspace.assignment import take_ticket
from inbox.tickets.models import Ticket
from inbox.tickets.workspace.notes import add_note
from inbox.tickets.sla.sweep import sweep
from inbox.tickets.workspace.tags import add_tags
from inbox.timeutil import utcnow
from tests.helpers import ago, message
from tests.live.conftest import ingest

ROOT = Path(__file__).resolve().parents[2]


def _user(email: str = "bea@example.com", name: str = "Bea Tanaka"):
    user, _ = create_user(email, name, "agent", "correct horse battery")
    return user


def test_new_ticket_is_published_after_ingest(listener):
    created = ingest("c9", "where is my parcel?", "9")
    assert listener.messages() == [{"seq": 1, "ticket_id": created.id, "kind": "created"}]


def test_each_action_publishes_its_ticket(ticket, listener):
    bea = _user()
    actions = [
        ("note", lambda: add_note(ticket, "customer called, refund approved", bea)),
        ("updated", lambda: take_ticket(ticket, bea)),
        ("updated", lambda: add_tags(ticket, "refund, 返品", bea)),
        ("updated", lambda: resolve_ticket(ticket, bea)),
    ]
    seen = []
    for kind, action in actions:
        action()
        got = listener.messages()
        assert got and {(m["ticket_id"], m["kind"]) for m in got} == {(ticket.id, kind)}, kind
        seen += got
    # one number per message, in order: a reconnecting browser compares it with the last it saw
    assert [m["seq"] for m in seen] == list(range(seen[0]["seq"], seen[0]["seq"] + len(seen)))
    assert int(get_redis().get(SEQUENCE_KEY)) == seen[-1]["seq"]


def test_a_follow_up_message_is_published_as_a_message(ticket, listener):
    ingest("c1", "hello? anyone?", "2", author="mallory")
    assert [(m["ticket_id"], m["kind"]) for m in listener.messages()] == [(ticket.id, "message")]


def test_nothing_is_published_before_commit_nor_after_rollback(ticket, listener):
    ticket.priority = "urgent"
    db.session.flush()
    assert listener.messages(wait=0.5) == []
    db.session.rollback()
    assert listener.messages(wait=0.5) == []
    # the rolled-back change is forgotten, not sent with the next commit
    other = ingest("c2", "second customer", "20", author="zed")
    assert [(m["ticket_id"], m["kind"]) for m in listener.messages()] == [(other.id, "created")]
    assert db.session.get(Ticket, ticket.id).priority != "urgent"


def test_a_failed_action_publishes_nothing(ticket, listener):
    bea = _user()
    resolve_ticket(ticket, bea)
    listener.messages()
    try:
        resolve_ticket(ticket, bea)
    except Exception:
        db.session.rollback()
    assert listener.messages(wait=0.5) == []


def test_the_sla_sweep_publishes_one_bulk_message(app, listener):
    for i in range(3):
        ingest(f"s{i}", "still waiting", f"s{i}", author=f"u{i}")
    listener.messages()
    later = utcnow() + timedelta(days=3)
    result = sweep(later)
    assert result.newly_breached == 3
    assert [(m["ticket_id"], m["kind"]) for m in listener.messages()] == [(None, "bulk")]
    # a sweep that changes nothing says nothing
    sweep(later + timedelta(seconds=1))
    assert listener.messages(wait=0.5) == []


def test_redis_down_never_breaks_the_commit(app, ticket, caplog):
    """Another app on the same database whose Redis is gone: the note is stored, a warning logged."""
    broken = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "TESTING")},
                         "REDIS_URL": "redis://127.0.0.1:9/0"})
    bea = _user()
    with broken.app_context(), caplog.at_level(logging.WARNING, logger="inbox.live.publish"):
        same = db.session.get(Ticket, ticket.id)
        add_note(same, "Redis is down but this note is kept", db.session.merge(bea))
        add_note(same, "and this one does not wait for another timeout", db.session.merge(bea))
        db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Ticket.notes.property.mapper.class_)) == 2
    warnings = [r for r in caplog.records if "could not publish" in r.getMessage()]
    assert len(warnings) == 1  # the second commit is inside the back-off window


def test_the_worker_process_publishes_what_it_ingests(app, listener, tmp_path):
    """A real `inbox worker --burst` process (its own create_app) ingests a queued batch."""
    from inbox.channels import get_or_create_account

    account, _ = get_or_create_account("SMS", "jsonl", "sms")
    record = message("w1", "+4915100000", "my phone has no signal", ago(minutes=1), author="+4915100000", kind="sms",
                     followers=None)
    enqueue("ingest_batch", account.id, [message_from_record(record).to_payload()])
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"],
               INBOX_SENTIMENT_MODEL="vader", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "inbox", "worker", "--burst"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    db.session.expire_all()
    created = db.session.scalar(select(Ticket).where(Ticket.conversation_key == "+4915100000"))
    assert created is not None
    assert (created.id, "created") in [(m["ticket_id"], m["kind"]) for m in listener.messages(wait=2)]


def test_instances_on_other_databases_of_the_same_server_hear_nothing(ticket, listener):
    """Pub/sub is server-wide: an Inbox on another database of the same Redis must not see our events."""
    from redis import ConnectionPool, Redis

    from inbox.redis_client import pubsub_channel

    ours = listener.client.connection_pool
    kwargs = dict(ours.connection_kwargs)
    kwargs["db"] = 1 if kwargs.get("db", 0) != 1 else 2
    other = Redis(connection_pool=ConnectionPool(connection_class=ours.connection_class, **kwargs))
    eavesdropper = other.pubsub(ignore_subscribe_messages=True)
    eavesdropper.subscribe(pubsub_channel(other, TICKET_CHANNEL))
    add_note(ticket, "between us", _user())
    assert listener.messages()  # we hear it
    assert eavesdropper.get_message(timeout=0.5) is None  # they do not
    eavesdropper.close()
