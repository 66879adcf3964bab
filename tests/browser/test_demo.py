"""The demo in a browser: an agent replies on the demo mailbox's email ticket, the reply reaches the local
SMTP sink, the simulated customer answers and the answer appears in the same ticket; a receive-only
channel's composer offers "Answered outside Inbox" and no Send."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from inbox.channels.poller import poll_once
from inbox.channels.settings import add_account
from inbox.demo.customer import OPENINGS
from inbox.extensions import db
from inbox.tickets.models import Ticket
from tests.workspace import open_ticket
from tests.test_demo_mailbox import _imap_count, _wait_for, demo_mailbox  # noqa: F401 (a fixture)

REPLY = "Please move the router away from the microwave and switch it to channel 36."
ANSWER = "Thanks, that's clear. I'll try that this evening"


def test_demo_reply_round_trip_in_the_browser(demo_mailbox, run_jobs, people, new_page):  # noqa: F811
    add_account("Demo Mailbox", "email", demo_mailbox.settings.account_config())
    poll_once()
    run_jobs()
    _name, address, subject, _text = OPENINGS[0]
    ticket_id = db.session.scalars(select(Ticket.id).where(Ticket.subject == subject)).one()

    page = new_page(people["agent"])
    page.goto(f"/tickets/{ticket_id}")
    expect(page.locator("#outside-form")).to_have_count(0)
    page.fill("#reply-text", REPLY)
    page.click("#reply-send")
    expect(page.locator("#thread .thread-reply").last).to_contain_text(REPLY)
    run_jobs()  # the delivery job: SMTP to the demo mailbox's sink
    [sent] = _wait_for(lambda: list(demo_mailbox.outbox.iterdir()), 10, "email in the SMTP sink")
    assert address in sent.read_text() and "channel 36" in sent.read_text()

    _wait_for(lambda: _imap_count(demo_mailbox) == len(OPENINGS) + 1, 15, "answer from the demo customer")
    poll_once()
    run_jobs()
    page.reload()
    expect(page.locator("#thread .thread-message").last).to_contain_text(ANSWER)
    expect(page.locator("#ticket")).to_have_attribute("data-ticket-id", str(ticket_id))


def test_receive_only_composer_offers_answered_outside_and_no_send(app, people, new_page):
    ticket_id = open_ticket("sms-tom", "Charged twice for October, refund please", channel="sms").id
    page = new_page(people["agent"])
    page.goto(f"/tickets/{ticket_id}")
    expect(page.locator("#reply-send")).to_have_count(0)
    expect(page.locator("#outside-form label")).to_contain_text("only receives")
    page.fill("#outside-text", "Called Tom back: the second charge is refunded.")
    page.click("#outside-record")
    expect(page.locator("#thread")).to_contain_text("Called Tom back: the second charge is refunded.")
    expect(page.locator("#reply-send")).to_have_count(0)
