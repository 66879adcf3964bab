"""A customer with everything a real one leaves behind: messages on two channels' tickets, a reply that
names them, notes (one on someone else's ticket), a sentiment correction, a survey answer, a breach,
and a weekly export written before anyone asked for erasure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Contact, Message, Ticket
from tests.helpers import ago, message

# everything that identifies the customer; none of it may remain anywhere after erasure
HANDLE = "@zq_quill_secret"
AUTHOR_ID = "zq-ext-777"
NAME = "Zelda Quillfeather"
TEXTS = ("My card was charged twice at Tromsø kiosk 88", "Still waiting on Tromsø refund, reference QX-55-ZEBRA",
         "パスポート番号はQX-99です")
TRACES = ("zq_quill_secret", "zq-ext-777", "Zelda", "Quillfeather", "Tromsø", "QX-55-ZEBRA", "QX-99", "kiosk 88")


@dataclass
class Customer:
    contact: Contact
    open_ticket: Ticket
    resolved_ticket: Ticket
    other_ticket: Ticket  # another customer's, with a note that names ours
    export_dir: object


def _ingest(external_id: str, conversation: str, text: str, minutes_ago: float, *, author: str, handle: str, name: str,
            channel: str = "x", label: str = "negative", **extra):
    account, _ = get_or_create_account(channel.upper(), "jsonl", channel)
    record = message(external_id, conversation, text, ago(minutes=minutes_ago), author=author, handle=handle, **extra)
    record["author"]["name"] = name
    ingest_messages(account, [message_from_record(record)], [Sentiment(label, 0.9, "test")], timedelta(days=7))
    return db.session.scalars(select(Ticket).where(Ticket.conversation_key == conversation)).one()


@pytest.fixture
def customer(app, tmp_path, monkeypatch) -> Customer:
    from inbox.tickets.workspace.actions import correct_sentiment, resolve_ticket
    from inbox.tickets.workspace.notes import add_note
    from inbox.tickets.workspace.replies import queue_reply
    from inbox.tickets.sla.sweep import sweep
    from inbox.timeutil import utcnow
    from inbox.voice.export import ExportOptions, write_weekly_export
    from inbox.voice.files import store_files
    from inbox.voice.surveys.models import SurveyInvitation, SurveyResponse
    from inbox.voice.weeks import IsoWeek
    from tests.workspace import user

    agent = user("agent", "Ada Agent")
    monkeypatch.setitem(app.config, "INBOX_WEEKLY_EXPORT_DIR", str(tmp_path / "exports"))
    # a DM conversation key holds the customer's account id, as X's does
    first = _ingest("zm-1", f"dm:{AUTHOR_ID}-brand", TEXTS[0], 600, author=AUTHOR_ID, handle=HANDLE, name=NAME,
                    url="https://x.com/zq_quill_secret/status/1", raw_extra="kept in raw")
    _ingest("zm-2", f"dm:{AUTHOR_ID}-brand", TEXTS[1], 500, author=AUTHOR_ID, handle=HANDLE, name=NAME)
    resolved = _ingest("zm-3", "zconv-2", TEXTS[2], 300, author=AUTHOR_ID, handle=HANDLE, name=NAME)
    other = _ingest("om-1", "oconv-1", "router keeps dropping", 200, author="bob-1", handle="@bob_other", name="Bob Other",
                    label="neutral")
    queue_reply(resolved, agent, f"Hi {NAME}, sorry about that, refund done")
    add_note(first, f"called {HANDLE} back about Tromsø", agent)
    add_note(other, f"Bob says he knows {NAME} (unrelated)", agent)
    correct_sentiment(db.session.scalars(select(Message).where(Message.external_id == "zm-2")).one(), "neutral", agent)
    resolve_ticket(resolved, agent)
    invitation = SurveyInvitation(ticket_id=resolved.id, channel="x")
    db.session.add(invitation)
    db.session.flush()
    db.session.add(SurveyResponse(invitation_id=invitation.id, ticket_id=resolved.id, channel="x", csat=2))
    db.session.commit()
    assert sweep(utcnow()).breaches >= 1  # the open ticket is hours past its first-response target
    sent = db.session.scalars(select(Message.sent_at).where(Message.external_id == "zm-1")).one()
    week = IsoWeek.of(sent.astimezone(timezone.utc).date())
    written = write_weekly_export(week, tmp_path / "exports", ExportOptions(zone=timezone.utc))
    store_files(written.files, app.config["INBOX_EXPORT_MAX_BYTES"])
    return Customer(first.contact, first, resolved, other, tmp_path / "exports")


def rows_mentioning(traces: tuple[str, ...]) -> list[str]:
    """Every text-like value in every table (JSON included) that contains one of `traces`."""
    from sqlalchemy import JSON, String, Text

    from inbox.extensions import db as database

    found = []
    for table in database.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON)) or
                   isinstance(getattr(c.type, "impl", None), (String, Text, JSON))]
        if not columns:
            continue
        for row in database.session.execute(select(*columns)):
            for column, value in zip(columns, row):
                text = repr(value) if not isinstance(value, str) else value
                for trace in traces:
                    if trace.lower() in text.lower():
                        found.append(f"{table.name}.{column.name}: {trace!r} in {text[:120]!r}")
    return found
