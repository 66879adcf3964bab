"""Agents' replies: composer → queue_reply → deliver_reply job → X (replayed), at most once."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox.channels.settings import add_account
from inbox.channels import get_or_create_account
from inbox.connectors.base import ConnectorError
from inbox.jobs.delivery import deliver_reply
from inbox.extensions import db
from inbox.channels.poller import poll_once
from inbox.tickets.models import Message, Ticket, TicketEvent
from inbox.connectors.x.fixtures import BRAND_HANDLE, BRAND_ID
from tests.connectors.x.replay import CREDENTIALS, replay
from tests.helpers import ago, csrf_token, message, write_jsonl

THREAD_ROOT = "1578511538419212288"
FOLLOW_UP = "1578516295611748353"
RECORDED_TWEET_ID = "1456012973835788293"  # what X answered to tweepy's recorded create_tweet
DM_CONVERSATION = "750362064426721281-1072250532645998596"


@pytest.fixture
def mentions(app, run_jobs):
    add_account("Brand on X", "x", {**CREDENTIALS, "user_id": BRAND_ID, "username": BRAND_HANDLE, "dms": False})
    with replay("mentions_two_pages.yaml"):
        poll_once()
    run_jobs()
    return {t.conversation_key: t for t in db.session.scalars(select(Ticket))}


def send_reply(client, ticket_id: int, text: str):
    page = client.get(f"/tickets/{ticket_id}")
    return client.post(f"/tickets/{ticket_id}/reply", data={"text": text, "csrf_token": csrf_token(page)})


def outbound(ticket: Ticket) -> Message:
    return db.session.scalar(select(Message).where(Message.ticket_id == ticket.id, Message.sent_by_id.is_not(None)))


def test_reply_is_posted_under_the_latest_customer_tweet(mentions, logged_in, agent, run_jobs):
    thread = mentions[THREAD_ROOT]
    response = send_reply(logged_in, thread.id, "Sorry about the feed! We're on it.")
    assert response.status_code == 302
    reply = outbound(thread)
    assert (reply.delivery_state, reply.direction, reply.in_reply_to) == ("sending", "outbound", FOLLOW_UP)
    assert "Sending…" in logged_in.get(f"/tickets/{thread.id}").get_data(as_text=True)

    with replay("create_reply_tweet.yaml") as tape:
        run_jobs()
    assert tape.json_bodies("POST") == [{"text": "Sorry about the feed! We're on it.", "reply": {"in_reply_to_tweet_id": FOLLOW_UP}}]
    assert tape.sent("POST")[0].path == "/2/tweets"
    db.session.refresh(reply)
    assert (reply.delivery_state, reply.external_id) == ("sent", RECORDED_TWEET_ID)
    assert reply.url == f"https://x.com/Twitter/status/{RECORDED_TWEET_ID}"
    page = logged_in.get(f"/tickets/{thread.id}").get_data(as_text=True)
    assert f'href="https://x.com/Twitter/status/{RECORDED_TWEET_ID}"' in page and "Sent" in page


def test_a_reply_counts_as_the_first_response_only_once_x_accepted_it(mentions, logged_in, agent, run_jobs):
    ticket = next(t for t in mentions.values() if t.status == "new")
    assert ticket.first_response_at is None
    send_reply(logged_in, ticket.id, "Thanks for the feedback!")
    db.session.refresh(ticket)
    assert ticket.status == "open"
    assert ticket.first_response_at is None  # queued is not answered
    queued = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.type == "reply_queued"))
    assert queued.actor_id == agent.id and queued.data["message_id"] == outbound(ticket).id
    with replay("create_reply_tweet.yaml"):
        run_jobs()
    db.session.refresh(ticket)
    delivered = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.type == "reply_delivered"))
    assert delivered.actor_id == agent.id and delivered.data["external_id"] == RECORDED_TWEET_ID
    assert ticket.first_response_at == delivered.at and ticket.next_response_due_at is None


def test_a_reply_that_failed_answers_nobody_until_it_is_retried_and_sent(mentions, logged_in, agent, run_jobs):
    from inbox.jobs.delivery import deliver_reply as deliver
    from inbox.tickets.workspace.replies import retry_reply

    thread = next(t for t in mentions.values() if t.status == "new")  # nobody has answered this customer yet
    send_reply(logged_in, thread.id, "We're on it.")
    reply = outbound(thread)
    with replay("create_tweet_503.yaml"), pytest.raises(ConnectorError):
        deliver(reply.id)
    from inbox.jobs.delivery import _fail

    db.session.refresh(reply)
    _fail(reply, reply.delivery_error)  # what the job's last retry does when X keeps answering 503
    db.session.refresh(thread)
    assert reply.delivery_state == "failed" and thread.first_response_at is None
    page = logged_in.get(f"/tickets/{thread.id}").get_data(as_text=True)
    assert f'id="retry-{reply.id}"' in page and 'id="answered-outside"' in page
    retry_reply(reply, agent)
    with replay("create_reply_tweet.yaml"):
        run_jobs()
    db.session.refresh(thread)
    assert thread.first_response_at is not None


def test_a_job_run_again_after_posting_does_not_post_twice(mentions, logged_in, run_jobs):
    thread = mentions[THREAD_ROOT]
    send_reply(logged_in, thread.id, "We're on it.")
    reply = outbound(thread)
    with replay("create_reply_tweet.yaml") as tape:
        run_jobs()
        assert deliver_reply(reply.id)["state"] == "sent"  # e.g. RQ re-running a job whose worker died after the post
        assert len(tape.sent("POST")) == 1 and tape.play_count == 1
    db.session.refresh(reply)
    assert reply.external_id == RECORDED_TWEET_ID and reply.raw["delivery"]["attempts"] == 1


def test_server_error_keeps_the_reply_for_a_retry_then_posts_once(mentions, logged_in):
    thread = mentions[THREAD_ROOT]
    send_reply(logged_in, thread.id, "We're on it.")
    reply = outbound(thread)
    with replay("create_tweet_503.yaml"), pytest.raises(ConnectorError, match="503"):
        deliver_reply(reply.id)
    db.session.refresh(reply)
    assert reply.delivery_state == "sending" and "503" in reply.delivery_error
    with replay("create_reply_tweet.yaml") as tape:
        assert deliver_reply(reply.id)["state"] == "sent"
    assert len(tape.sent("POST")) == 1
    db.session.refresh(reply)
    assert reply.raw["delivery"]["attempts"] == 2 and reply.delivery_error is None


def test_an_interrupted_post_is_never_sent_again(mentions, logged_in):
    thread = mentions[THREAD_ROOT]
    send_reply(logged_in, thread.id, "We're on it.")
    reply = outbound(thread)
    reply.delivery_state = "posting"  # the worker died while X was answering
    db.session.commit()
    with replay("create_reply_tweet.yaml") as tape:
        result = deliver_reply(reply.id)
    assert result["state"] == "failed" and tape.sent("POST") == []
    db.session.refresh(reply)
    assert "may have received the reply" in reply.delivery_error


def test_dm_ticket_is_answered_in_its_dm_conversation(app, logged_in, run_jobs):
    add_account("Tweepy on X", "x", dict(CREDENTIALS))
    with replay("dm_first_poll.yaml"):
        poll_once()
    run_jobs()
    [ticket] = db.session.scalars(select(Ticket))
    send_reply(logged_in, ticket.id, "Testing 2")
    with replay("test_manage_and_lookup_direct_messages.yaml") as tape:
        run_jobs()
    [post] = tape.sent("POST")
    assert post.path == f"/2/dm_conversations/{DM_CONVERSATION}/messages"
    assert tape.json_bodies("POST") == [{"text": "Testing 2"}]
    reply = outbound(ticket)
    assert reply.delivery_state == "sent" and reply.url is None
    # X's answer is the id of the DM event the poller had already stored: one row remains, ours
    assert reply.external_id == "1585800613752881156"
    db.session.refresh(ticket)
    assert [m.text for m in ticket.messages] == ["Testing 1", "Testing 2"] and ticket.message_count == 2


def test_channel_without_sending_marks_the_reply_failed(app, tmp_path, logged_in, run_jobs):
    feed = write_jsonl(tmp_path / "sms.jsonl", [message("s1", "+4915", "Where is my parcel?", ago(minutes=5), kind="sms", author="+4915")])
    get_or_create_account("SMS", "jsonl", "sms", {"path": str(feed)})
    poll_once()
    run_jobs()
    [ticket] = db.session.scalars(select(Ticket))
    send_reply(logged_in, ticket.id, "It left the depot this morning.")
    run_jobs()
    reply = outbound(ticket)
    assert (reply.delivery_state, reply.delivery_error) == ("failed", "this channel cannot send replies")
    assert "Failed: this channel cannot send replies" in logged_in.get(f"/tickets/{ticket.id}").get_data(as_text=True)


@pytest.mark.parametrize("text", ["a" * 281, "日本語" * 47, "   "])
def test_composer_refuses_what_x_would_refuse(mentions, logged_in, text):
    ticket = mentions[THREAD_ROOT]
    response = send_reply(logged_in, ticket.id, text)
    assert response.status_code == 422
    assert "Reply not sent" in response.get_data(as_text=True)
    assert outbound(ticket) is None


def test_reply_text_is_escaped_on_the_page(mentions, logged_in):
    ticket = mentions[THREAD_ROOT]
    send_reply(logged_in, ticket.id, "<script>alert(1)</script> fixed")
    page = logged_in.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; fixed" in page
