"""Mastodon: Mastodon.py's recorded traffic (a local Mastodon 4.x and real mastodon.social)
replayed at the HTTP layer → poll → worker → tickets; replies with the right visibility."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from inbox.channels.conversations import StoredConversations
from inbox.channels.health import account_health
from inbox.channels.models import ChannelAccount, RejectedMessage
from inbox.channels.poller import poll_once
from inbox.channels.settings import add_account
from inbox.connectors.base import available_kinds, connector_for
from inbox.connectors.mastodon.fixtures import ADMIN_ID, HALCY_ID, LOCAL, SOCIAL, TEST_USER_ID, body, edited, recorded
from inbox.extensions import db
from inbox.security.outbound import ALLOWLIST_ENV
from inbox.tickets.ingest import ingest_messages
from inbox.tickets.models import Message, Ticket
from inbox.tickets.workspace.replies import queue_reply
from zoneinfo import ZoneInfo

from .replay import cassette

NOTIFICATIONS_SOCIAL = recorded("entity/test_entity_notification.yaml", 0)
CONVERSATIONS_SOCIAL = recorded("entity/test_entity_conversation.yaml", 0)
MENTION_LOCAL = recorded("test_notifications_mentions_only.yaml", 1)
CONVERSATIONS_LOCAL = recorded("test_conversations.yaml", 2)


def mastodon_account(base: str = LOCAL, user_id: str = TEST_USER_ID, **config):
    settings = {"api_base_url": base, "access_token": "token-for-replay-0001", "user_id": user_id, **config}
    return add_account(f"Acme on {base}", "mastodon", settings)


def test_registered():
    assert "mastodon" in available_kinds()


def test_a_mention_becomes_a_ticket(app, run_jobs, tmp_path):
    account = mastodon_account()
    with cassette(tmp_path, [MENTION_LOCAL, CONVERSATIONS_LOCAL]) as tape:
        [outcome] = poll_once()
    assert outcome.error is None and outcome.fetched == 2  # the mention, and the last post of the DM conversations
    first = tape.sent("GET")[0]
    assert parse_qs(first.uri.split("?", 1)[1]) == {"types[]": ["mention"], "limit": ["40"]}
    db.session.refresh(account)
    assert account.cursor["min_id"] == "21"
    run_jobs()
    mention = db.session.scalar(select(Message).where(Message.external_id == "117020577157693549"))
    assert mention.kind == "mention" and mention.text == "@mastodonpy_test hello!"
    assert mention.author_handle == "@admin" and mention.ticket.channel == "mastodon"
    assert mention.url == "http://localhost:3000/@admin/117020577157693549"


def test_the_next_poll_reads_forward_from_min_id(app, tmp_path):
    account = mastodon_account(dms=False)
    account.cursor = {"min_id": "21"}
    db.session.commit()
    empty = edited(MENTION_LOCAL, edit_body=lambda _: [])
    with cassette(tmp_path, [empty]) as tape:
        [outcome] = poll_once()
    assert outcome.fetched == 0
    assert "min_id=21" in tape.sent("GET")[0].uri


def test_real_mastodon_social_notifications_and_dms(app, run_jobs, tmp_path):
    account = mastodon_account(SOCIAL, HALCY_ID)
    with cassette(tmp_path, [NOTIFICATIONS_SOCIAL, CONVERSATIONS_SOCIAL]):
        [outcome] = poll_once()
    assert outcome.error is None
    run_jobs()
    dm = db.session.scalar(select(Message).where(Message.external_id == "116275331587890092"))
    assert dm.kind == "dm" and dm.ticket.kind == "dm"
    assert dm.author_handle == "@latencyobs@icosahedron.website"
    assert "<" not in dm.text and "@halcy@mastodon.social" in dm.text
    # the brand's own DMs (halcy, id 43) are context, never tickets
    ours = list(db.session.scalars(select(Message).where(Message.direction == "outbound")))
    assert ours and all(m.author_handle == "@halcy" for m in ours)
    assert all(t.contact.identities[0].handle != "@halcy" for t in db.session.scalars(select(Ticket)))
    db.session.refresh(account)
    assert account.cursor["min_id"] == "550622655" and account.cursor["dm_seen"]


def _customer_status(name: str, index: int, brand: str) -> Ticket:
    """A recorded post by a customer, stored as the poller and worker would have."""
    account = db.session.scalar(select(ChannelAccount))
    connector = connector_for(account, conversations=StoredConversations(account))
    message = connector.status_message(body(recorded(name, index)), brand)
    ingest_messages(account, [message], [None], reopen_window=timedelta(days=7))
    return db.session.scalar(select(Ticket).order_by(Ticket.id.desc()))


def test_public_reply_mentions_the_customer_with_the_posts_visibility(app, run_jobs, agent, tmp_path):
    mastodon_account(user_id=ADMIN_ID)
    ticket = _customer_status("test_status_reply.yaml", 0, ADMIN_ID)  # "Toot, finally!" by @mastodonpy_test_2
    assert ticket.kind == "mention"
    reply = queue_reply(ticket, agent, "same!")
    recorded_reply = recorded("test_status_reply.yaml", 2)  # Mastodon.py's own status_reply() to that post
    with cassette(tmp_path, [recorded_reply]) as tape:
        run_jobs()
    [post] = tape.sent("POST")
    ours = parse_qs(post.body.decode(), keep_blank_values=True)
    ours.pop("sensitive")  # the installed Mastodon.py always sends it; the recording's version did not
    assert ours == parse_qs(recorded_reply["request"]["body"], keep_blank_values=True)
    assert post.headers.get("Idempotency-Key")
    db.session.refresh(reply)
    assert reply.delivery_state == "sent" and reply.external_id == "117020583258292382"


def test_a_dm_is_answered_as_a_direct_post(app, run_jobs, agent, tmp_path):
    mastodon_account(user_id=ADMIN_ID)
    ticket = _customer_status("test_conversations.yaml", 1, ADMIN_ID)  # "@admin ilu bby ;3", direct
    assert ticket.kind == "dm"
    reply = queue_reply(ticket, agent, "Thanks for writing!")
    with cassette(tmp_path, [recorded("test_status_post[None-direct].yaml", 0)]) as tape:
        run_jobs()
    sent = parse_qs(tape.sent("POST")[0].body.decode())
    assert sent["visibility"] == ["direct"]
    assert sent["in_reply_to_id"] == ["117020593780198542"]
    assert sent["status"] == ["@mastodonpy_test_2 Thanks for writing!"]
    db.session.refresh(reply)
    assert reply.delivery_state == "sent"


def test_rate_limit_backs_off_until_the_reset(app, tmp_path):
    account = mastodon_account()
    limited = edited(MENTION_LOCAL, status=(429, "Too Many Requests"), edit_body=lambda _: {"error": "Too many requests"},
                     x_ratelimit_remaining="0", x_ratelimit_reset="2100-01-01T00:00:00.000Z")
    limited["response"]["headers"].pop("date", None)
    with cassette(tmp_path, [limited]):
        [outcome] = poll_once()
    assert outcome.error.startswith("rate limited until 2100-01-01")
    db.session.refresh(account)
    assert account.status == "rate_limited" and account.cursor is None
    assert account.backoff_until == datetime(2100, 1, 1, tzinfo=timezone.utc)
    health = account_health(account, ZoneInfo("UTC"), datetime(2099, 12, 31, 23, 0, tzinfo=timezone.utc))
    assert health.label == "Rate-limited until 00:00"


def test_server_errors_and_revoked_tokens(app, tmp_path):
    account = mastodon_account()
    with cassette(tmp_path, [edited(MENTION_LOCAL, status=(503, "Service Unavailable"), edit_body=lambda _: {"error": "down"})]):
        [outcome] = poll_once()
    db.session.refresh(account)
    assert account.status == "error" and "server error (503)" in account.status_detail and account.cursor is None
    account.backoff_until = None
    db.session.commit()
    with cassette(tmp_path, [edited(MENTION_LOCAL, status=(401, "Unauthorized"), edit_body=lambda _: {"error": "The access token is invalid"})]):
        poll_once()
    db.session.refresh(account)
    assert account.status == "needs_attention" and "rejected the access token" in account.status_detail


def _with_status(edit):
    def change(page):
        edit(page[0]["status"])
        return page
    return change


def test_html_and_custom_emoji_are_text(app, run_jobs, logged_in, tmp_path):
    mastodon_account(dms=False)

    def hostile(status):
        status["content"] = ('<p>Refund please :blobcat_angry: <script>alert(1)</script><img src=x onerror=alert(2)>'
                             '<a href="javascript:alert(3)">click</a></p>')
        status["emojis"] = [{"shortcode": "blobcat_angry", "url": "https://files.example/emoji.png",
                             "static_url": "https://files.example/emoji.png", "visible_in_picker": True}]
        status["spoiler_text"] = "<b>billing</b>"
        status["account"]["display_name"] = "Admin <img src=x> :verified:"

    with cassette(tmp_path, [edited(MENTION_LOCAL, edit_body=_with_status(hostile))]):
        poll_once()
    run_jobs()
    message = db.session.scalar(select(Message))
    assert message.text == "[CW: <b>billing</b>]\nRefund please :blobcat_angry: click"
    assert message.author_name == "Admin :verified:"
    page = logged_in.get(f"/tickets/{message.ticket_id}").get_data(as_text=True)
    assert "&lt;b&gt;billing&lt;/b&gt;" in page and "<b>billing</b>" not in page
    assert "emoji.png" not in page and "javascript:" not in page


def test_blocked_accounts_and_malformed_posts_are_set_aside(app, run_jobs, tmp_path):
    account = mastodon_account(blocked_accounts="@admin")
    with cassette(tmp_path, [MENTION_LOCAL, CONVERSATIONS_LOCAL]):
        [outcome] = poll_once()
    reasons = [r.reason for r in db.session.scalars(select(RejectedMessage))]
    assert any("blocked account @admin" in r for r in reasons)
    run_jobs()
    assert all(m.author_handle != "@admin" for m in db.session.scalars(select(Message)))

    broken = edited(MENTION_LOCAL, edit_body=_with_status(lambda s: s.pop("account")))
    account.cursor = None
    db.session.commit()
    with cassette(tmp_path, [broken, CONVERSATIONS_LOCAL]):
        [outcome] = poll_once()
    assert outcome.error is None
    assert any("no author account" in r.reason for r in db.session.scalars(select(RejectedMessage)))


def test_a_redirect_to_an_inside_address_is_not_followed(app, tmp_path):
    account = mastodon_account(SOCIAL, HALCY_ID)
    moved = edited(NOTIFICATIONS_SOCIAL, status=(302, "Found"), edit_body=lambda _: {},
                   location="http://169.254.169.254/latest/meta-data/iam/security-credentials/")
    with cassette(tmp_path, [moved]) as tape:
        [outcome] = poll_once()
    assert [urlsplit(r.uri).hostname for r in tape.requests] == ["mastodon.social"]  # nothing sent to the metadata address
    db.session.refresh(account)
    assert account.status == "needs_attention" and account.cursor is None
    assert "Mastodon server address is refused" in account.status_detail and "169.254.169.254" in account.status_detail


def test_an_inside_server_is_refused_unless_allow_listed(app, tmp_path, monkeypatch):
    account = mastodon_account()  # http://localhost:3000, allow-listed by this folder's conftest
    monkeypatch.delenv(ALLOWLIST_ENV)  # the admin took it off the list
    with cassette(tmp_path, []) as tape:
        [outcome] = poll_once()
    assert tape.requests == []
    db.session.refresh(account)
    assert account.status == "needs_attention" and "localhost is this machine" in account.status_detail
