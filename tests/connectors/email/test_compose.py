"""Our reply's headers: threaded under the customer's mail, and never carrying injected headers."""
from __future__ import annotations

from email import message_from_bytes, policy

from inbox.connectors.email import EmailConnector
from inbox.connectors.email.parse import parse_email


class KnownReplies:
    """What earlier polls stored about the customer's message (the KnownThreads protocol)."""

    def __init__(self, references: list[str], reply_to: str | None) -> None:
        self.references, self.reply_to = references, reply_to

    def conversation_of(self, message_ids):
        return None

    def conversation_by_subject(self, sender, subject, since):
        return None

    def reply_headers(self, message_id):
        return self.references, self.reply_to


def test_injected_subject_and_address_stay_in_one_header():
    raw = (b"From: Eve <eve@example.org>\r\nReply-To: =?utf-8?q?x=0D=0ABcc=3A_all=40example=2Eorg?= <eve@example.org>\r\n"
           b"Subject: =?utf-8?q?Refund=0D=0ABcc=3A_all=40example=2Eorg?=\r\nMessage-ID: <evil@example.org>\r\n\r\nbody\r\n")
    parsed = parse_email(raw)
    connector = EmailConnector({"address": "support@inbox.example", "display_name": "Acme\r\nBcc: x@example.org"}, "Mail",
                               threads=KnownReplies(["root@example.org"], parsed.reply_to))
    message = connector.compose({"in_reply_to": parsed.message_id, "customer_id": parsed.sender, "subject": parsed.subject},
                                "We refunded you.")
    sent = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert sent.get_all("Bcc") is None
    assert sent["Subject"] == "Re: Refund Bcc: all@example.org"
    assert sent["To"] == "eve@example.org"
    assert sent["From"] == '"Acme Bcc: x@example.org" <support@inbox.example>'
    assert sent["References"] == "<root@example.org> <evil@example.org>"
    assert sent["In-Reply-To"] == "<evil@example.org>"
