"""X connector: recorded X API traffic → poll → worker → tickets, and how failures are handled."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from inbox.channels.settings import add_account
from inbox.channels import get_or_create_account
from inbox.connectors.base import available_kinds
from inbox.extensions import db
from inbox.channels.poller import due_accounts, poll_once
from inbox.tickets.models import ContactIdentity, Message, Ticket
from inbox.connectors.x.fixtures import BRAND_HANDLE, BRAND_ID, TWEEPYDEV_ID
from tests.connectors.x.replay import CREDENTIALS, replay
from tests.helpers import ago, message, write_jsonl

THREAD_ROOT = "1578511538419212288"
BRAND_REPLY = "1578512041748627456"
FOLLOW_UP = "1578516295611748353"


def x_account(name: str = "Brand on X", **config):
    settings = {**CREDENTIALS, "user_id": BRAND_ID, "username": BRAND_HANDLE, "dms": False, **config}
    return add_account(name, "x", settings)


def test_x_connector_is_registered():
    assert "x" in available_kinds()


def test_mentions_are_paginated_and_threaded_into_tickets(app, run_jobs):
    account = x_account()
    with replay("mentions_two_pages.yaml") as tape:
        [outcome] = poll_once()
    assert outcome.error is None and outcome.fetched == 12
    pages = tape.sent("GET")
    assert len(pages) == 2
    assert "pagination_token=7140dibdnow9c7btw423i3sy3u5zupmkcpofxcsmxj48j" in pages[1].uri
    assert "expansions=author_id" in pages[0].uri and "public_metrics" in pages[0].uri
    assert "since_id" not in pages[0].uri
    db.session.refresh(account)
    assert account.cursor["mentions"] == {"since_id": FOLLOW_UP}
    run_jobs()

    thread = db.session.scalar(select(Ticket).where(Ticket.conversation_key == THREAD_ROOT))
    assert [(m.external_id, m.direction) for m in thread.messages] == [
        (THREAD_ROOT, "inbound"), (BRAND_REPLY, "outbound"), (FOLLOW_UP, "inbound"),
    ]
    assert thread.message_count == 3
    assert thread.first_response_at == thread.messages[1].sent_at  # the brand answered on X itself
    follow_up = thread.messages[2]
    assert follow_up.in_reply_to == BRAND_REPLY
    assert follow_up.url == f"https://x.com/TweepyDev/status/{FOLLOW_UP}"
    assert follow_up.author_handle == "@TweepyDev"
    assert follow_up.sent_at == datetime(2022, 10, 7, 22, 43, 6, 945000, tzinfo=timezone.utc)
    assert follow_up.raw["tweet"]["conversation_id"] == THREAD_ROOT

    identities = {i.handle: i for i in db.session.scalars(select(ContactIdentity))}
    assert set(identities) == {"@TweepyDev", "@TwitterDev"}  # the brand is never a customer
    assert identities["@TwitterDev"].followers == 520_000
    assert identities["@TweepyDev"].followers == 154
    # one ticket for the thread, one per standalone mention
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 10
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.contact_id == identities["@TwitterDev"].contact_id)) == 5


def test_ticket_page_shows_handle_and_follower_count(app, run_jobs, logged_in):
    x_account()
    with replay("mentions_two_pages.yaml"):
        poll_once()
    run_jobs()
    thread = db.session.scalar(select(Ticket).where(Ticket.conversation_key == THREAD_ROOT))
    page = logged_in.get(f"/tickets/{thread.id}").get_data(as_text=True)
    assert "@TweepyDev" in page and "154 followers" in page
    assert f'href="https://x.com/TweepyDev/status/{FOLLOW_UP}"' in page


def test_next_poll_asks_only_for_newer_mentions(app):
    account = x_account()
    account.cursor = {"mentions": {"since_id": "1578516000000000000"}}
    db.session.commit()
    with replay("mentions_malformed.yaml") as tape:
        poll_once()
    assert "since_id=1578516000000000000" in tape.sent("GET")[0].uri


def test_malformed_item_is_logged_and_skipped_and_the_rest_ingested(app, run_jobs, caplog):
    account = x_account()
    with caplog.at_level(logging.WARNING, logger="inbox.connectors.x"), replay("mentions_malformed.yaml"):
        [outcome] = poll_once()
    assert (outcome.fetched, outcome.rejected) == (1, 2)
    assert "tweet 1578516273537118209: created_at is missing" in caplog.text
    assert "tweet 1578516249856077825: author_id is missing" in caplog.text
    db.session.refresh(account)
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from inbox.channels.health import account_health

    assert account.status == "ok" and "2 item(s) set aside" in account_health(account, ZoneInfo("UTC"), datetime.now(UTC)).detail
    from inbox.channels.quarantine import recent_rejections

    assert sorted(r.reference for r in recent_rejections()) == ["tweet 1578516249856077825", "tweet 1578516273537118209"]
    run_jobs()
    assert [m.external_id for m in db.session.scalars(select(Message))] == ["1578516242867945475"]


def test_rate_limit_backs_off_that_account_only(app, tmp_path, run_jobs):
    account = x_account()
    feed = write_jsonl(tmp_path / "sms.jsonl", [message("s1", "+4915", "Where is my parcel?", ago(minutes=5), kind="sms", author="+4915")])
    other, _ = get_or_create_account("SMS", "jsonl", "sms", {"path": str(feed)})
    with replay("mentions_429.yaml"):
        outcomes = {o.account: o for o in poll_once()}
    assert outcomes["Brand on X"].error.startswith("rate limited until 2100-01-01")
    assert outcomes["SMS"].fetched == 1 and outcomes["SMS"].error is None
    db.session.refresh(account)
    assert account.status == "rate_limited"
    assert account.backoff_until == datetime(2100, 1, 1, tzinfo=timezone.utc)
    assert account.cursor is None
    assert [a.name for a in due_accounts(force=True)] == ["SMS"]
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_rejected_credentials_mark_the_account_and_stop_polling(app):
    account = x_account()
    with replay("mentions_401.yaml"):
        [outcome] = poll_once()
    assert outcome.error.startswith("needs attention: X rejected the credentials (401")
    db.session.refresh(account)
    assert account.status == "needs_attention"
    assert due_accounts(force=True) == []


def test_server_error_backs_off_and_keeps_the_cursor(app):
    account = x_account()
    account.cursor = {"mentions": {"since_id": "1"}}
    db.session.commit()
    with replay("mentions_503.yaml"):
        [outcome] = poll_once()
    assert "503" in outcome.error
    db.session.refresh(account)
    assert account.backoff_until is not None and account.cursor == {"mentions": {"since_id": "1"}}


def test_dms_thread_by_conversation_and_brand_dms_are_outbound(app, run_jobs):
    # no user id configured: the connector asks get_me once and remembers the answer
    account = add_account("Tweepy on X", "x", dict(CREDENTIALS))
    with replay("dm_first_poll.yaml") as tape:
        [outcome] = poll_once()
    assert outcome.error is None and outcome.fetched == 2
    assert [r.path for r in tape.sent("GET")] == ["/2/users/me", f"/2/users/{TWEEPYDEV_ID}/mentions", "/2/dm_events"]
    assert "event_types=MessageCreate" in tape.sent("GET")[2].uri
    db.session.refresh(account)
    assert (account.config["user_id"], account.config["username"]) == (TWEEPYDEV_ID, "TweepyDev")
    assert account.cursor["dms"] == {"last_seen_id": "1585800613752881156"}
    run_jobs()
    [ticket] = db.session.scalars(select(Ticket))
    assert ticket.kind == "dm" and ticket.conversation_key == "750362064426721281-1072250532645998596"
    assert [(m.text, m.direction) for m in ticket.messages] == [("Testing 1", "inbound"), ("Testing 2", "outbound")]
    assert ticket.first_response_at is not None

    with replay("dm_second_poll.yaml") as tape:
        [outcome] = poll_once()
    assert outcome.fetched == 1  # stops at the first event it has already seen, without paging on
    assert len(tape.sent("GET")) == 2
    run_jobs()
    db.session.refresh(ticket)
    assert [m.text for m in ticket.messages][-1] == "Testing"
    assert ticket.message_count == 3


@pytest.mark.parametrize("config, ready", [
    ({"bearer_token": "b"}, True),
    ({"consumer_key": "k", "consumer_secret": "s", "access_token": "t", "access_token_secret": "u"}, True),
    ({"bearer_token": "b", "consumer_key": "k"}, False),
    ({}, False),
])
def test_configured_needs_complete_credentials(config, ready):
    from inbox.connectors.x import XConnector

    assert XConnector(config).configured()[0] is ready
