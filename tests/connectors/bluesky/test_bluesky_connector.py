"""Bluesky through the atproto SDK against a loopback XRPC server whose every response is built
from recorded posts and profiles and validated with the SDK's models and the lexicons."""
from __future__ import annotations


import pytest
from atproto import models
from sqlalchemy import select

from inbox.channels.models import RejectedMessage
from inbox.channels.poller import poll_once
from inbox.channels.settings import SettingsError, add_account, apply_settings
from inbox.connectors.base import available_kinds
from inbox.connectors.bluesky.fixtures import (
    BRAND_DID,
    BRAND_HANDLE,
    basic,
    brand_post_ref,
    brand_profile,
    notification,
    post_record,
    profiles,
)
from inbox.extensions import db
from inbox.security.outbound import ALLOWLIST_ENV
from inbox.tickets.models import Message, Ticket
from inbox.tickets.workspace.replies import queue_reply
from tests.helpers import ago

from .pds import Pds


def iso(**delta: float) -> str:
    return ago(**delta).isoformat().replace("+00:00", "Z")


@pytest.fixture
def pds():
    with Pds() as server:
        server.routes["app.bsky.notification.listNotifications"] = {"notifications": []}
        server.routes["chat.bsky.convo.getLog"] = {"logs": [], "cursor": "rev-0"}
        server.routes["chat.bsky.convo.listConvos"] = {"convos": []}
        yield server


def bluesky_account(pds, **config):
    settings = {"handle": BRAND_HANDLE, "app_password": "app-pass-word-0001", "service": pds.url, **config}
    return add_account("Acme on Bluesky", "bluesky", settings)


def customer_notifications() -> tuple[list[dict], dict, dict]:
    why, other = profiles()[0], profiles()[1]
    brand = brand_post_ref()
    mention = notification(why, "3k2yihcrp6f2c", "bafyreifzi5xyrf3c5jw7cci4zrltyl25ik2dboznop4qo4cotcfbyjtita", "mention",
                           post_record(f"@{BRAND_HANDLE} my order never arrived", iso(minutes=30)), iso(minutes=30))
    reply = notification(other, "3k2yinh52ne2x", "bafyreiaepzhlaf2hd4exhx5o74orvhtqloog4xwaptcrzsuyfkzr43va4e", "reply",
                         post_record("same problem here", iso(minutes=20), reply_to={"root": brand, "parent": brand}),
                         iso(minutes=20))
    return [reply, mention], why, other


def test_registered():
    assert "bluesky" in available_kinds()


def test_mentions_and_replies_become_tickets_and_the_session_is_kept(app, run_jobs, pds):
    items, why, other = customer_notifications()
    pds.routes["app.bsky.notification.listNotifications"] = {"notifications": items, "cursor": "page-2"}
    account = bluesky_account(pds)
    [outcome] = poll_once()
    assert outcome.error is None and outcome.fetched == 2
    [request] = pds.sent("app.bsky.notification.listNotifications")
    assert request["query"]["reasons"] == ["mention", "reply", "quote"]
    db.session.refresh(account)
    assert account.cursor["seen_at"] == items[0]["indexedAt"]
    assert account.config["session_token"] and account.config["did"] == BRAND_DID
    run_jobs()
    reply = db.session.scalar(select(Message).where(Message.text == "same problem here"))
    assert reply.kind == "reply" and reply.conversation_key == brand_post_ref()["uri"]
    assert reply.author_handle == f"@{other['handle']}" and reply.in_reply_to == brand_post_ref()["uri"]
    assert reply.url == f"https://bsky.app/profile/{other['handle']}/post/3k2yinh52ne2x"
    mention = db.session.scalar(select(Message).where(Message.kind == "mention"))
    assert mention.ticket.channel == "bluesky" and mention.author_name == why["displayName"]
    assert mention.ticket.sla_policy.first_response_minutes == 4 * 60  # social networks: 4 h

    pds.routes["app.bsky.notification.listNotifications"] = {"notifications": items}
    [again] = poll_once()
    assert again.fetched == 0  # everything up to seen_at was read
    assert pds.logins == 1  # the saved session was reused, no second login


def test_reply_is_a_post_with_strong_refs_and_a_mention_facet(app, run_jobs, agent, pds):
    items, _why, other = customer_notifications()
    pds.routes["app.bsky.notification.listNotifications"] = {"notifications": items}
    pds.routes["com.atproto.repo.createRecord"] = {"uri": f"at://{BRAND_DID}/app.bsky.feed.post/3kreply",
                                                   "cid": "bafyreigb666sdjyyaczcahxmf5tzh7dec6bwr3nhdab7llebn7vhsxzgr4"}
    bluesky_account(pds)
    poll_once()
    run_jobs()
    ticket = db.session.scalar(select(Message).where(Message.text == "same problem here")).ticket
    reply = queue_reply(ticket, agent, "Sorry — we are on it ✨")
    run_jobs()
    [request] = pds.sent("com.atproto.repo.createRecord")
    data = request["json"]
    assert data["repo"] == BRAND_DID and data["collection"] == "app.bsky.feed.post"
    record = models.AppBskyFeedPost.Record.model_validate(data["record"])
    assert record.text == f"@{other['handle']} Sorry — we are on it ✨"
    assert record.reply.root.uri == brand_post_ref()["uri"] and record.reply.root.cid == brand_post_ref()["cid"]
    assert record.reply.parent.uri == items[0]["uri"] and record.reply.parent.cid == items[0]["cid"]
    [facet] = record.facets
    mention = f"@{other['handle']}".encode()
    assert record.text.encode()[facet.index.byte_start:facet.index.byte_end] == mention
    assert facet.features[0].did == other["did"]
    db.session.refresh(reply)
    assert reply.delivery_state == "sent" and reply.external_id == f"at://{BRAND_DID}/app.bsky.feed.post/3kreply"


def _chat(members: list[dict], text: str, sender: str, minutes: float) -> tuple[dict, dict]:
    message = {"id": f"msg-{int(minutes)}", "rev": f"rev-{int(minutes)}", "text": text, "sender": {"did": sender},
               "sentAt": iso(minutes=minutes)}
    log = {"$type": "chat.bsky.convo.defs#logCreateMessage", "rev": message["rev"], "convoId": "convo-1", "message": message}
    convo = {"id": "convo-1", "rev": message["rev"], "members": [basic(m) for m in members], "muted": False, "unreadCount": 1}
    return log, convo


def test_chat_dms_in_and_out(app, run_jobs, agent, pds):
    why = profiles()[0]
    log, convo = _chat([brand_profile(), why], "Hi, can you check my account?", why["did"], 10)
    pds.routes["chat.bsky.convo.getLog"] = {"logs": [log], "cursor": "rev-10"}
    pds.routes["chat.bsky.convo.listConvos"] = {"convos": [convo]}
    pds.routes["chat.bsky.convo.sendMessage"] = {"id": "msg-ours", "rev": "rev-11", "text": "On it!", "sender": {"did": BRAND_DID},
                                                 "sentAt": iso(minutes=0)}
    account = bluesky_account(pds)
    [outcome] = poll_once()
    assert outcome.fetched == 1
    assert pds.sent("chat.bsky.convo.getLog")[0]["headers"].get("atproto-proxy") == "did:web:api.bsky.chat#bsky_chat"
    db.session.refresh(account)
    assert account.cursor["chat_rev"] == "rev-10"
    run_jobs()
    [ticket] = db.session.scalars(select(Ticket))
    assert ticket.kind == "dm" and ticket.conversation_key == "convo:convo-1"
    reply = queue_reply(ticket, agent, "On it!")
    run_jobs()
    [sent] = pds.sent("chat.bsky.convo.sendMessage")
    assert sent["json"]["convoId"] == "convo-1" and sent["json"]["message"]["text"] == "On it!"
    db.session.refresh(reply)
    assert reply.delivery_state == "sent" and reply.external_id == "chat:convo-1:msg-ours"


def test_a_dm_from_a_blocked_account_is_set_aside(app, run_jobs, pds):
    why = profiles()[0]
    why["viewer"] = {**why.get("viewer", {}), "blocking": f"at://{BRAND_DID}/app.bsky.graph.block/3kblock"}
    log, convo = _chat([brand_profile(), why], "spam spam", why["did"], 5)
    pds.routes["chat.bsky.convo.getLog"] = {"logs": [log], "cursor": "rev-5"}
    pds.routes["chat.bsky.convo.listConvos"] = {"convos": [convo]}
    bluesky_account(pds)
    [outcome] = poll_once()
    assert outcome.fetched == 0 and outcome.rejected == 1
    [rejected] = db.session.scalars(select(RejectedMessage))
    assert f"blocked account @{why['handle']}" in rejected.reason


def test_facets_pointing_past_the_text_are_stored_safely(app, run_jobs, logged_in, pds):
    why = profiles()[0]
    record = post_record("<b>hi</b> @acme", iso(minutes=3), facets=[
        {"index": {"byteStart": 9, "byteEnd": 4000}, "features": [{"$type": "app.bsky.richtext.facet#mention", "did": BRAND_DID}]},
        {"index": {"byteStart": 2, "byteEnd": 3}, "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "javascript:alert(1)"}]},
    ])
    pds.routes["app.bsky.notification.listNotifications"] = {
        "notifications": [notification(why, "3kfacets", "bafyreifzi5xyrf3c5jw7cci4zrltyl25ik2dboznop4qo4cotcfbyjtita", "mention",
                                       record, iso(minutes=3))]}
    bluesky_account(pds)
    [outcome] = poll_once()
    assert outcome.error is None and outcome.fetched == 1
    run_jobs()
    message = db.session.scalar(select(Message))
    assert message.text == "<b>hi</b> @acme"
    page = logged_in.get(f"/tickets/{message.ticket_id}").get_data(as_text=True)
    assert "&lt;b&gt;hi&lt;/b&gt;" in page and "javascript:alert" not in page


def test_rate_limit_and_rejected_app_password(app, pds):
    account = bluesky_account(pds)
    pds.fail["app.bsky.notification.listNotifications"] = (
        429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, {"ratelimit-reset": "4102444800", "ratelimit-remaining": "0"})
    [outcome] = poll_once()
    assert outcome.error.startswith("rate limited until 2100-01-01")
    db.session.refresh(account)
    assert account.status == "rate_limited"

    other = add_account("Wrong password", "bluesky", {"handle": BRAND_HANDLE, "app_password": "wrong", "service": pds.url})
    account.enabled = False
    db.session.commit()
    poll_once()
    db.session.refresh(other)
    assert other.status == "needs_attention" and "rejected the handle or app password" in other.status_detail


def test_an_expiring_session_is_refreshed_and_saved(app, pds):
    pds.access_seconds = 60  # the SDK refreshes 15 minutes before expiry
    account = bluesky_account(pds)
    poll_once()
    db.session.refresh(account)
    first = account.config["session_token"]
    account.last_polled_at = None
    db.session.commit()
    poll_once()
    db.session.refresh(account)
    assert pds.sent("com.atproto.server.refreshSession")
    assert account.config["session_token"] != first and pds.logins == 1


def test_the_app_password_is_never_sent_to_an_inside_server(app, pds, monkeypatch):
    account = bluesky_account(pds)  # saved while this folder's conftest allow-lists 127.0.0.1
    monkeypatch.delenv(ALLOWLIST_ENV)  # the admin took it off the list
    [outcome] = poll_once()
    assert pds.requests == []  # no login, no password
    db.session.refresh(account)
    assert account.status == "needs_attention"
    assert "Bluesky server address is refused" in account.status_detail and "127.0.0.1" in account.status_detail
    with pytest.raises(SettingsError, match="Server is refused"):  # saving it again is refused too
        apply_settings(account, {"service": pds.url, "app_password": "another-app-password"})


def test_a_session_whose_pds_is_inside_is_refused_before_any_request(app, pds, monkeypatch):
    account = bluesky_account(pds)
    [outcome] = poll_once()
    assert outcome.error is None and pds.logins == 1
    db.session.refresh(account)
    session = account.config["session_token"].split(":::")
    account.config = {**account.config, "service": "https://bsky.social",
                      "session_token": ":::".join(session[:-1] + ["http://169.254.169.254"])}  # a PDS on the metadata address
    db.session.commit()
    before = len(pds.requests)
    monkeypatch.setenv(ALLOWLIST_ENV, "bsky.social")  # the public server is fine (and cannot be resolved offline)
    [outcome] = poll_once()
    assert len(pds.requests) == before
    db.session.refresh(account)
    assert account.status == "needs_attention" and "169.254.169.254" in account.status_detail
