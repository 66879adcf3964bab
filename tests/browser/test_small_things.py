"""Small things of issue 15 item 6 in a real browser: the X counter stops Send over 280, and the server
refuses such a reply anyway; the favicon is served."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from inbox.extensions import db
from inbox.tickets.models import Message


def test_the_x_counter_disables_send_and_the_server_refuses_too_long_a_reply(new_page, people, inbox, live_server):
    page = new_page(people["agent"])
    ticket_id = inbox["c-tom"]
    page.goto(f"/tickets/{ticket_id}")
    page.fill("#reply-text", "a" * 281)
    expect(page.locator("#reply-count")).to_have_text("281 / 280")
    expect(page.locator("#reply-send")).to_be_disabled()
    page.fill("#reply-text", "あ" * 140)  # two each, as X counts them: exactly the limit
    expect(page.locator("#reply-send")).to_be_enabled()
    # a page that does not run our script (or an old tab) posts it anyway: refused, nothing queued
    page.fill("#reply-text", "a" * 300)
    page.evaluate("document.getElementById('reply-send').disabled = false")
    page.click("#reply-send")
    expect(page.locator("body")).to_contain_text("the limit is 280")
    db.session.expire_all()
    assert db.session.scalars(select(Message).where(Message.ticket_id == ticket_id, Message.direction == "outbound")).all() == []
    response = page.request.get(f"{live_server}/favicon.ico")
    assert response.ok and "svg" in response.headers["content-type"]
