"""Replies on LINE: the reply token while it is fresh, the metered push after it (said on the ticket),
at most once with X-Line-Retry-Key, LINE's limits, and LINE's own words when it refuses."""
from __future__ import annotations

import copy
import time

import pytest
from sqlalchemy import select

from inbox.connectors.line import MAX_MESSAGE_CHARS, retry_key, split_reply
from inbox.connectors.line.fixtures import USER_ID, delivery, encoded
from inbox.extensions import db
from inbox.jobs.delivery import deliver_reply
from inbox.jobs.pushed import ingest_line_webhook
from inbox.tickets.events import EventType
from inbox.tickets.models import Message, Ticket, TicketEvent
from inbox.tickets.workspace.actions import ActionError
from inbox.tickets.workspace.replies import queue_reply


def _ticket_written(account, seconds_ago: float, message_id: str = "7001") -> Ticket:
    """A customer's text that reached us `seconds_ago` (its reply token as fresh as that)."""
    event = copy.deepcopy(delivery()["events"][0])
    event["timestamp"] = int((time.time() - seconds_ago) * 1000)
    event["message"]["id"] = message_id
    event["replyToken"] = f"token-{message_id}"
    ingest_line_webhook(account.id, encoded({"destination": "Ubot", "events": [event]}).decode())
    # the model's first load may take longer than a token lives: the message is as old as asked when the agent answers
    stored = db.session.scalar(select(Message).where(Message.external_id == message_id))
    line = stored.raw["line"]
    stored.raw = {**stored.raw, "line": {**line, "event": {**line["event"], "timestamp": int((time.time() - seconds_ago) * 1000)}}}
    db.session.commit()
    return db.session.scalar(select(Ticket).where(Ticket.conversation_key == f"user:{USER_ID}"))


def _reply(ticket: Ticket, agent, text: str = "お問い合わせありがとうございます。確認いたします。") -> Message:
    message = queue_reply(ticket, agent, text)
    deliver_reply(message.id)
    db.session.expire_all()
    return db.session.get(Message, message.id)


def _delivered(message: Message) -> TicketEvent:
    return db.session.scalar(select(TicketEvent).where(TicketEvent.type == EventType.REPLY_DELIVERED,
                                                       TicketEvent.ticket_id == message.ticket_id))


def test_a_fresh_reply_token_answers_with_the_reply_endpoint(line_account, line_platform, agent):
    ticket = _ticket_written(line_account, seconds_ago=3)
    reply = _reply(ticket, agent)
    assert reply.delivery_state == "sent", (reply.delivery_state, reply.delivery_error, line_platform.requests)
    [sent] = line_platform.calls("/message/reply")
    assert sent.body["replyToken"] == "token-7001"
    assert [(m["type"], m["text"]) for m in sent.body["messages"]] == [("text", reply.text)]
    assert line_platform.calls("/message/push") == []
    assert reply.delivery_state == "sent" and reply.raw["delivery"]["via"] == "reply"
    assert _delivered(reply).data["via"] == "reply"


def test_an_expired_reply_token_falls_back_to_push_and_says_so(line_account, line_platform, agent):
    ticket = _ticket_written(line_account, seconds_ago=600)
    reply = _reply(ticket, agent)
    assert line_platform.calls("/message/reply") == []
    [push] = line_platform.calls("/message/push")
    assert push.body["to"] == USER_ID and push.headers["x-line-retry-key"] == retry_key(line_account.name, reply.id)
    assert reply.delivery_state == "sent" and reply.raw["delivery"]["via"] == "push"
    assert _delivered(reply).data["via"] == "push"


def test_a_reply_token_line_refuses_falls_back_to_push(line_account, line_platform, agent):
    from .platform import INVALID_REPLY_TOKEN

    line_platform.reply_error = INVALID_REPLY_TOKEN  # e.g. already used by an earlier reply
    ticket = _ticket_written(line_account, seconds_ago=2)
    reply = _reply(ticket, agent)
    assert len(line_platform.calls("/message/reply")) == 1 and len(line_platform.calls("/message/push")) == 1
    assert reply.delivery_state == "sent" and reply.raw["delivery"]["via"] == "push"


def test_a_retried_push_reuses_its_retry_key_and_is_sent_once(line_account, line_platform, agent):
    ticket = _ticket_written(line_account, seconds_ago=600)
    message = queue_reply(ticket, agent, "順番に確認しております。")
    key = retry_key(line_account.name, message.id)
    # LINE accepted an earlier attempt of this very reply, and the worker died before recording it
    line_platform.accepted_keys[key] = "req-earlier"
    message.delivery_state = "posting"
    message.raw = {**message.raw, "delivery": {**message.raw["delivery"], "first_attempt_at": "2026-01-01T00:00:00+00:00"}}
    db.session.commit()
    result = deliver_reply(message.id)
    [push] = line_platform.calls("/message/push")
    assert push.headers["x-line-retry-key"] == key
    assert result["state"] == "sent" and result["external_id"] == "line-request:req-earlier"
    assert len(line_platform.accepted_keys) == 1  # the customer received it once


def test_an_interrupted_reply_by_token_is_never_sent_again(line_account, line_platform, agent):
    ticket = _ticket_written(line_account, seconds_ago=1)
    message = queue_reply(ticket, agent, "少々お待ちください。")
    message.delivery_state = "posting"  # the token may have been spent: LINE has no key for replies
    message.raw = {**message.raw, "delivery": {**message.raw["delivery"],
                                               "first_attempt_at": message.sent_at.isoformat()}}
    db.session.commit()
    assert deliver_reply(message.id)["state"] == "failed"
    assert line_platform.calls("/message/") == []


def test_quota_exhausted_fails_the_reply_with_lines_words_and_flags_the_account(line_account, line_platform, agent):
    from .platform import MONTHLY_LIMIT

    line_platform.push_error = (429, MONTHLY_LIMIT)
    ticket = _ticket_written(line_account, seconds_ago=600)
    reply = _reply(ticket, agent)
    assert reply.delivery_state == "failed" and "You have reached your monthly limit." in reply.delivery_error
    db.session.refresh(line_account)
    assert line_account.status == "needs_attention" and "quota" in line_account.status_detail


def test_lines_refusal_is_the_replys_failure_in_lines_words(line_account, line_platform, agent):
    line_platform.push_error = (400, {"message": "The request body has 1 error(s)",
                                      "details": [{"message": "May not be empty", "property": "messages[0].text"}]})
    ticket = _ticket_written(line_account, seconds_ago=600)
    reply = _reply(ticket, agent)
    assert reply.delivery_state == "failed"
    assert "The request body has 1 error(s)" in reply.delivery_error and "messages[0].text: May not be empty" in reply.delivery_error


def test_lines_limits_are_enforced_before_queueing_and_sending(line_account, line_platform, agent):
    from inbox.connectors.base import connector_for

    ticket = _ticket_written(line_account, seconds_ago=600)
    connector = connector_for(line_account)
    six_messages = ("あ" * (MAX_MESSAGE_CHARS - 1) + "\n") * 6
    assert "at most 5 messages" in connector.check_reply({}, six_messages)
    assert connector.check_reply({}, ("あ" * (MAX_MESSAGE_CHARS - 1) + "\n") * 5) is None
    with pytest.raises(ActionError):
        queue_reply(ticket, agent, six_messages)
    assert len(split_reply("a" * (MAX_MESSAGE_CHARS * 2 + 1))) == 3
    assert all(len(part) <= MAX_MESSAGE_CHARS for part in split_reply(("x" * 4000 + "\n") * 5))
    # a reply of 7,000 characters goes out as two LINE messages in one request
    reply = _reply(ticket, agent, "い" * 3500 + "\n" + "う" * 3500)
    [push] = line_platform.calls("/message/push")
    assert [len(m["text"]) for m in push.body["messages"]] == [3500, 3500] and reply.delivery_state == "sent"
