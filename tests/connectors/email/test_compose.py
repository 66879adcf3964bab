"""Our reply's headers: threaded under the customer's mail, and never carrying injected headers."""
from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

from inbox.channels.conversations import StoredConversations
from inbox.channels.settings import add_account
from inbox.connectors.base import connector_for
from inbox.connectors.email.messages import to_message
from inbox.connectors.email.parse import parse_email
from inbox.tickets.ingest import ingest_messages
from tests.helpers import ago


def test_injected_subject_and_address_stay_in_one_header(app):
    raw = (b"From: Eve <eve@example.org>\r\nReply-To: =?utf-8?q?x=0D=0ABcc=3A_all=40example=2Eorg?= <eve@example.org>\r\n"
           b"Subject: =?utf-8?q?Refund=0D=0ABcc=3A_all=40example=2Eorg?=\r\nMessage-ID: <evil@example.org>\r\n"
           b"References: <root@example.org>\r\n\r\nbody\r\n")
    account = add_account("Mail", "email", {"address": "support@inbox.example", "display_name": "Acme\r\nBcc: x@example.org",
                                            "imap_host": "imap.example.com", "username": "support", "password": "secret"})
    parsed = parse_email(raw)
    stored = to_message(parsed, parsed.root_id, "support@inbox.example", ago(minutes=5), {})
    ingest_messages(account, [stored], [None], reopen_window=timedelta(days=7))  # what the poll stored about her mail

    connector = connector_for(account, conversations=StoredConversations(account))
    message = connector.compose({"in_reply_to": parsed.message_id, "customer_id": parsed.sender, "subject": parsed.subject},
                                "We refunded you.")
    sent = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert sent.get_all("Bcc") is None
    assert sent["Subject"] == "Re: Refund Bcc: all@example.org"
    assert sent["To"] == "eve@example.org"
    assert sent["From"] == '"Acme Bcc: x@example.org" <support@inbox.example>'
    assert sent["References"] == "<root@example.org> <evil@example.org>"
    assert sent["In-Reply-To"] == "<evil@example.org>"
