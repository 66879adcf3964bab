"""A 50 000-character message is stored, searched and worked like any other; what it costs is measured
by bench/long_message.py (linear in its length, not quadratic)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import Sentiment
from inbox.tickets.workspace.actions import reopen_ticket, resolve_ticket, set_pending
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Ticket
from inbox.tickets.read.search_index import DOCUMENT_MAX_CHARS, OpenTicketSearch
from tests.helpers import ago, message
from tests.tickets.test_inbox_list import search_in

FILLER = "My router drops the connection every evening and support has not called back. 毎晩ルーターが切れます。"


def long_text(marker: str, length: int = 50_000) -> str:
    body = (FILLER * (length // len(FILLER) + 1))[: length - len(marker) - 1]
    return body + " " + marker


def _ingest(account, external_id: str, text: str, minutes_ago: int) -> Ticket:
    record = message(external_id, "long-conv", text, ago(minutes=minutes_ago), author="patient-customer")
    ingest_messages(account, [message_from_record(record)], [Sentiment("negative", 0.9, "fixture")], timedelta(days=7))
    return db.session.scalars(select(Ticket).where(Ticket.conversation_key == "long-conv")).one()


def test_a_fifty_thousand_character_message_is_found_by_its_last_word_in_any_view(app, agent):
    account, _ = get_or_create_account("Long X", "jsonl", "x")
    ticket = _ingest(account, "long-1", long_text("zebracrossing 解約手続き"), 30)
    assert len(ticket.messages[0].text) == 50_000
    for view in ("open", "all"):
        assert search_in("zebracrossing", view) == [ticket.id], view
        assert search_in("解約手続き", view) == [ticket.id], view
    second = _ingest(account, "long-2", long_text("aardvarkparade"), 20)
    assert second.id == ticket.id and second.message_count == 2
    document = db.session.scalar(select(OpenTicketSearch.document).where(OpenTicketSearch.ticket_id == ticket.id))
    assert len(document) <= DOCUMENT_MAX_CHARS + 1000  # bounded, whatever the ticket holds
    assert search_in("aardvarkparade", "all") == [ticket.id]  # every message is searched in the history views
    set_pending(ticket, agent)
    resolve_ticket(ticket, agent)
    assert db.session.scalar(select(func.count()).select_from(OpenTicketSearch)) == 0
    reopen_ticket(ticket, agent)
    assert search_in("zebracrossing", "open") == [ticket.id]
