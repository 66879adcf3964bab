"""Retention: resolved tickets' personal data erased N days after resolution; off by default."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inbox.audit.models import AuditEntry
from inbox.extensions import db
from inbox.privacy.erase import TOMBSTONE
from inbox.jobs.privacy import retention_job
from inbox.privacy.retention import erase_resolved_before
from inbox.tickets.models import Contact, Message, Ticket
from inbox.timeutil import utcnow
from tests.workspace import open_ticket


def _resolved(conv: str, days_ago: float, author: str) -> Ticket:
    ticket = open_ticket(conv, f"secret words of {author}", author=author, name=f"Name {author}")
    ticket.status, ticket.resolved_at = "resolved", utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return ticket


def test_retention_is_off_by_default(app):
    old = _resolved("c1", 400, "ann")
    assert app.config["RETENTION_DAYS"] == 0
    assert retention_job() == {"retention_days": None, "tickets": 0, "contacts": 0}
    assert db.session.get(Ticket, old.id).erased_at is None


def test_resolved_tickets_past_retention_are_erased(app, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_DAYS", 30)
    old = _resolved("c1", 40, "ann")            # ann has only this ticket: she is erased whole
    recent = _resolved("c2", 10, "ben")         # within retention: kept
    mixed_old = _resolved("c3", 45, "cat")      # cat has an old resolved ticket and an open one
    still_open = open_ticket("c4", "cat is still waiting", author="cat")
    assert retention_job() == {"retention_days": 30, "tickets": 2, "contacts": 1}
    db.session.expire_all()
    assert db.session.get(Ticket, old.id).subject == TOMBSTONE
    assert db.session.get(Contact, old.contact_id).display_name == TOMBSTONE
    assert db.session.get(Ticket, recent.id).erased_at is None
    assert db.session.get(Ticket, mixed_old.id).erased_at is not None
    cat = db.session.get(Contact, still_open.contact_id)
    assert cat.erased_at is None and cat.identities[0].handle == "@cat"
    assert db.session.scalars(select(Message.text).where(Message.ticket_id == still_open.id)).one() == "cat is still waiting"
    assert db.session.get(Ticket, old.id).resolved_at is not None  # the figures' facts stay
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention_erased")).one()
    assert entry.details["tickets"] == 2 and entry.actor_id is None
    # run again: nothing left to do, nothing recorded
    assert erase_resolved_before(utcnow() - timedelta(days=30)).tickets == 0
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "retention_erased").offset(1)) is None


def test_retention_days_come_from_the_environment(monkeypatch):
    from inbox.config import load_config

    assert load_config()["RETENTION_DAYS"] == 0
    monkeypatch.setenv("INBOX_RETENTION_DAYS", "365")
    assert load_config()["RETENTION_DAYS"] == 365
