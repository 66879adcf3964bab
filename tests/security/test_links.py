"""Links from outside are http(s) only; anything else is shown as text."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from inbox.channels import get_or_create_account
from inbox.connectors.jsonl import message_from_record
from inbox.extensions import db
from inbox.security.links import safe_external_url
from inbox.sentiment import Sentiment
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Ticket
from tests.helpers import ago, message

HOSTILE = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "\tjavascript:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "java\rscript:alert(1)", "\x00javascript:alert(1)", "javascript\x00:alert(1)",
    "\x01javascript:alert(1)", "\u0085javascript:alert(1)", "javascript&colon;alert(1)", "jav&#x09;ascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "DATA:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)",
    "VBScript:msgbox(1)", "file:///etc/passwd", "ftp://example.com/x", "//evil.example/x", "/relative/path",
    "http:/\\evil.example", "https:\\\\evil.example", "http://", "https:///path-only", "mailto:a@b.c", "", " ",
    "http://exa mple.com/", "https://example.com/\x7f", "x" * 5000, "https://" + "a" * 5000 + ".com",
]
SAFE = ["https://x.com/NovaHikari/status/1", "http://example.com/a?b=c#d", "HTTPS://EXAMPLE.COM/",
        "https://例え.jp/パス", "https://[2001:db8::1]/x", "https://example.com:8443/"]


@pytest.mark.parametrize("url", HOSTILE)
def test_anything_but_http_is_not_a_link(url):
    assert safe_external_url(url) is None


@pytest.mark.parametrize("url", SAFE)
def test_http_links_stay_links(url):
    assert safe_external_url(url) == url


def test_non_strings_are_not_links():
    for value in (None, 1, b"https://example.com", ["https://example.com"]):
        assert safe_external_url(value) is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:x",
                                 "\tjavascript:alert(1)", "java\tscript:alert(1)"])
def test_the_ticket_page_shows_a_hostile_permalink_as_text(logged_in, url):
    account, _ = get_or_create_account("X", "jsonl", "x")
    record = message("1", "c", "hello", ago(minutes=5), author="mallory", url=url)
    ingest_messages(account, [message_from_record(record)], [Sentiment("neutral", 0.9, "test")], timedelta(days=7))
    ticket = db.session.scalars(select(Ticket)).one()
    html = logged_in.get(f"/tickets/{ticket.id}").data.decode()
    assert "open original:" in html and 'class="muted not-a-link"' in html
    lowered = html.lower()
    for attr in ('href="javascript', 'href="data:', 'href="vbscript', 'href="\tjavascript', 'href="java'):
        assert attr not in lowered


def test_the_ticket_page_links_an_http_permalink(logged_in):
    account, _ = get_or_create_account("X", "jsonl", "x")
    record = message("1", "c", "hello", ago(minutes=5), author="mallory", url="https://x.com/mallory/status/1")
    ingest_messages(account, [message_from_record(record)], [Sentiment("neutral", 0.9, "test")], timedelta(days=7))
    ticket = db.session.scalars(select(Ticket)).one()
    html = logged_in.get(f"/tickets/{ticket.id}").data.decode()
    assert '<a class="muted" href="https://x.com/mallory/status/1" rel="noopener noreferrer nofollow" target="_blank">open original</a>' in html
