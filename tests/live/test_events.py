"""GET /events: the Server-Sent Events stream of committed ticket changes."""
from __future__ import annotations

import json
import time

import pytest
from redis import Redis

from inbox.live import TICKET_CHANNEL
from inbox.live.publish import SEQUENCE_KEY
from inbox.redis_client import pubsub_channel
from inbox.tickets.workspace.notes import add_note
from tests.live.conftest import ingest


@pytest.fixture
def short_streams(app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 1.5)
    monkeypatch.setitem(app.config, "LIVE_HEARTBEAT_SECONDS", 0.3)
    monkeypatch.setitem(app.config, "LIVE_RETRY_MS", 1234)


def _events(text: str) -> list[dict]:
    """Parse SSE text into events (comment lines dropped)."""
    found = []
    for block in text.split("\n\n"):
        fields: dict = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if "event" in fields:
            fields["data"] = json.loads(fields["data"])
            found.append(fields)
    return found


def _subscribers(redis_url: str) -> int:
    client = Redis.from_url(redis_url)
    return client.pubsub_numsub(pubsub_channel(client, TICKET_CHANNEL))[0][1]


def _open(client, last_event_id: str | None = None, threaded: bool = True):
    """GET /events as a threaded server (gunicorn gthread, werkzeug) would run it; streamed, not buffered."""
    headers = {"Last-Event-ID": last_event_id} if last_event_id is not None else {}
    return client.get("/events", headers=headers, buffered=False, environ_overrides={"wsgi.multithread": threaded})


def _sequence(redis_url: str) -> int:
    return int(Redis.from_url(redis_url).get(SEQUENCE_KEY))


def test_events_need_a_login(client):
    response = client.get("/events")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_stream_delivers_committed_changes_then_ends(logged_in, agent, ticket, short_streams, redis_url):
    response = _open(logged_in)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert "no-cache" in response.headers["Cache-Control"]
    chunks = iter(response.response)
    first = next(chunks).decode()
    assert first.startswith("retry: 1234\n")
    assert _subscribers(redis_url) == 1  # subscribed before the first byte: nothing committed from now on is lost

    add_note(ticket, "call the customer back", agent)
    other = ingest("c2", "another customer", "2", author="zed")
    started = time.monotonic()
    rest = b"".join(chunks).decode()  # runs until the stream's lifetime is over
    assert time.monotonic() - started < 3
    events = _events(rest)
    assert [(e["event"], e["data"]["ticket_id"], e["data"]["kind"]) for e in events] == [
        ("ticket", ticket.id, "note"), ("ticket", other.id, "created"),
    ]
    assert [int(e["id"]) for e in events] == [_sequence(redis_url) - 1, _sequence(redis_url)]
    assert ": keep-alive" in rest  # heartbeats while nothing happens
    response.close()
    assert _subscribers(redis_url) == 0


def test_a_browser_that_missed_events_is_told_to_catch_up(app, logged_in, agent, ticket, short_streams, redis_url, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 0.2)
    seen = _sequence(redis_url)
    add_note(ticket, "while the browser was reconnecting", agent)
    last = str(_sequence(redis_url))
    missed = _events(b"".join(_open(logged_in, str(seen)).response).decode())
    assert [(e["id"], e["data"]) for e in missed] == [(last, {"ticket_id": None, "kind": "missed"})]
    current = _events(b"".join(_open(logged_in, last).response).decode())
    assert current == []
    # a nonsense id is ignored, like no id at all
    for junk in ("abc", "-1", "9" * 40, "１"):
        assert _events(b"".join(_open(logged_in, junk).response).decode()) == []


def test_a_client_that_goes_away_frees_its_subscription(logged_in, short_streams, redis_url):
    response = _open(logged_in)
    next(iter(response.response))
    assert _subscribers(redis_url) == 1
    response.close()  # what the server does when the browser disconnects
    assert _subscribers(redis_url) == 0


def test_malformed_channel_messages_are_skipped(logged_in, agent, ticket, short_streams, redis_url):
    response = _open(logged_in)
    chunks = iter(response.response)
    next(chunks)
    redis = Redis.from_url(redis_url)
    for junk in (b"not json", b'{"seq": "x"}', b'{"seq": 5, "ticket_id": "<script>"}', b"[1,2]"):
        redis.publish(pubsub_channel(redis, TICKET_CHANNEL), junk)
    add_note(ticket, "a real change", agent)
    events = _events(b"".join(chunks).decode())
    assert [(e["data"]["ticket_id"], e["data"]["kind"]) for e in events] == [(ticket.id, "note")]


def test_presence_changes_are_pushed_to_open_streams(app, logged_in, ticket, short_streams):
    """Bea starts replying: Ada's stream says so at once (only on a change, not on every heartbeat)."""
    from inbox.auth.users import create_user
    from tests.live.test_presence import Browser

    create_user("bea@example.com", "Bea Tanaka", "agent", "correct horse battery")
    bea = Browser(app, "bea@example.com")
    response = _open(logged_in)
    chunks = iter(response.response)
    next(chunks)
    for state in ("viewing", "viewing", "replying", "replying", "left"):
        assert bea.post(f"/tickets/{ticket.id}/presence", json={"state": state}, headers={"X-CSRFToken": bea.token}).status_code == 200
    events = _events(b"".join(chunks).decode())
    assert [(e["event"], e["data"], "id" in e) for e in events] == [("presence", {"ticket_id": ticket.id}, False)] * 3


def test_a_one_request_at_a_time_server_is_never_held(app, logged_in, agent, ticket, redis_url):
    """gunicorn's sync worker: the stream answers at once (with what was missed) and asks for a later retry."""
    seen = _sequence(redis_url)
    add_note(ticket, "meanwhile", agent)
    started = time.monotonic()
    text = b"".join(_open(logged_in, str(seen), threaded=False).response).decode()
    assert time.monotonic() - started < 1
    assert text.startswith(f"retry: {app.config['LIVE_SINGLE_THREAD_RETRY_MS']}\n")
    assert [e["data"]["kind"] for e in _events(text)] == ["missed"]
