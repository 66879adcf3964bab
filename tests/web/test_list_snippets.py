"""The inbox list triages at a glance (issue 29 item 3): an email row shows its Subject and the first line of the
customer's message that says something; a message without a subject is listed by that line, never "Hello,"."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.sentiment import Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Ticket
from inbox.timeutil import utcnow
from tests.helpers import message


def _ingest(channel: str, conversation: str, text: str, **extra) -> Ticket:
    account, _ = get_or_create_account(channel.title(), "jsonl", channel)
    record = message(f"m-{conversation}", conversation, text, utcnow() - timedelta(minutes=30),
                     author=f"a-{conversation}", kind="email" if channel == "email" else "mention", **extra)
    ingest_messages(account, [message_from_record(record)], [Sentiment("neutral", 0.9, "test-fixture")], timedelta(days=7))
    return db.session.scalars(select(Ticket).where(Ticket.conversation_key == conversation)).one()


def test_an_email_row_shows_its_subject_and_what_the_customer_says(app, logged_in):
    with_subject = _ingest("email", "e-1", "Hello,\n\nThe router blinks red since the storm.\n\nThanks,\nDan",
                           subject="Router problem")
    japanese = _ingest("email", "e-2", "株式会社ノヴァ光 ご担当者様\n\nお世話になっております。山田です。\n請求書が二重に届いています。",
                       subject="請求について")
    without_subject = _ingest("email", "e-3", "Hi,\nPlease cancel my plan at the end of the month.")
    post = _ingest("sms", "s-1", "Hello!\nmy SIM stopped working after the update")
    page = logged_in.get("/?view=all").get_data(as_text=True)
    assert "Router problem" in page and "The router blinks red since the storm." in page
    assert "請求について" in page and "請求書が二重に届いています。" in page
    assert without_subject.subject == "Please cancel my plan at the end of the month."
    assert post.subject == "my SIM stopped working after the update"
    rows = page[page.index('id="ticket-rows"'):]
    assert ">Hello,<" not in rows and "Hi,</a>" not in rows and "お世話になっております" not in rows
    # the live refresh's fragment carries the same lines
    fragment = logged_in.get("/?view=all", headers={"X-Inbox-Fragment": "rows"}).get_data(as_text=True)
    assert "The router blinks red since the storm." in fragment
    # a line equal to the subject is not shown twice
    assert page.count("Please cancel my plan at the end of the month.") == 1
    assert {with_subject.id, japanese.id} <= {t.id for t in db.session.scalars(select(Ticket))}


def test_a_customer_line_is_escaped(app, logged_in):
    _ingest("email", "e-x", "Hi,\n<script>alert(1)</script> my invoice page is blank", subject="Invoice")
    page = logged_in.get("/?view=all").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; my invoice page is blank" in page
    assert "<script>alert(1)</script>" not in page
