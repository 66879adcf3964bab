"""The LINE webhook end to end: LINE's signed body through the hook, the real Redis queue and the
worker, into tickets, contacts and attachments (the recorded body of the SDK's own tests)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from inbox.channels.models import RejectedMessage
from inbox.connectors.line.fixtures import GROUP_ID, RECORDED_MESSAGE_ID, ROOM_ID, USER_ID, delivery, encoded, events_of, recorded_body
from inbox.connectors.line.signature import sign
from inbox.extensions import db
from inbox.jobqueue import INGEST_QUEUE, get_queue
from inbox.tickets.attachments import MessageAttachment
from inbox.tickets.models import ContactIdentity, Message, Ticket

from .conftest import SECRET


def _queued() -> int:
    return get_queue(INGEST_QUEUE).count


def _messages() -> dict[str, Message]:
    db.session.expire_all()
    return {m.external_id: m for m in db.session.scalars(select(Message).order_by(Message.id))}


def _set_aside() -> list[RejectedMessage]:
    return list(db.session.scalars(select(RejectedMessage).order_by(RejectedMessage.id)))


# -- the signature ------------------------------------------------------------------------------

def test_a_valid_signature_is_queued_before_the_answer(deliver):
    response = deliver(delivery())
    assert response.status_code == 200
    assert _queued() == 1


@pytest.mark.parametrize("signature", [None, "", "not-base64-at-all", sign("another-secret", encoded(delivery()))])
def test_a_missing_or_wrong_signature_is_401_and_kept_nowhere(deliver, signature):
    response = deliver(delivery(), signature=signature)
    assert response.status_code == 401
    assert _queued() == 0 and _set_aside() == [] and _messages() == {}


def test_one_byte_altered_breaks_the_signature(deliver):
    body = recorded_body()
    signature = sign(SECRET, body)
    altered = body.replace(b"Hello, world", b"Hello, World", 1)
    assert len(altered) == len(body) and altered != body
    assert deliver(altered, signature=signature).status_code == 401
    assert deliver(body, signature=signature).status_code == 200
    assert _queued() == 1


def test_an_unknown_account_is_refused(deliver, line_account):
    assert deliver(delivery(), account_id=line_account.id + 1000).status_code == 404
    assert _queued() == 0


def test_the_hook_needs_no_session_nor_csrf_token(app, line_account):
    fresh = app.test_client()  # no cookie, no token: LINE has neither
    data = encoded(delivery())
    response = fresh.post(f"/hooks/line/{line_account.id}", data=data, headers={"X-Line-Signature": sign(SECRET, data)})
    assert response.status_code == 200


# -- bodies that cannot be read ------------------------------------------------------------------

def test_a_signed_body_that_is_not_json_is_set_aside_with_its_reason(deliver, line_account):
    response = deliver(b"<html>not json</html>")
    assert response.status_code == 200
    [item] = _set_aside()
    assert item.account_id == line_account.id and item.stage == "webhook" and "not JSON" in item.reason
    assert _queued() == 0


def test_a_signed_body_too_large_is_set_aside(deliver):
    body = delivery()
    body["padding"] = "x" * (1024 * 1024 + 10)
    assert deliver(body).status_code == 200
    [item] = _set_aside()
    assert "more than" in item.reason and _queued() == 0


def test_the_consoles_verify_request_is_answered(deliver):
    assert deliver({"destination": "Uxxxxxxxx", "events": []}).status_code == 200
    assert _queued() == 0 and _set_aside() == []


# -- every event kind of the recording, through the queue and the worker ---------------------------

def test_every_event_kind_of_the_recording(deliver, run_jobs, line_platform, line_account):
    assert deliver(delivery()).status_code == 200
    run_jobs()
    messages = _messages()
    text = messages[RECORDED_MESSAGE_ID]
    assert text.conversation_key == f"user:{USER_ID}"
    # the body's unsend takes the text back (its edit, older, then changes nothing)
    assert text.text == "" and text.raw["line"]["unsent"]["text"] == "Hello, world"
    assert text.author_name == "山田花子" and text.lang == "ja"  # from the profile endpoint
    sticker = next(m for m in messages.values() if m.text.startswith("[Sticker]"))
    assert sticker.text == "[Sticker] Just sticker (Love You, Love)"
    location = next(m for m in messages.values() if m.text.startswith("[Location]"))
    assert "my location" in location.text and "Tokyo" in location.text and "35.65910807942215" in location.text
    group = next(m for m in messages.values() if m.conversation_key == f"group:{GROUP_ID}")
    assert group.author_name == "山田花子" and group.ticket_id != text.ticket_id  # threaded per group, member named
    room = [m for m in messages.values() if m.conversation_key == f"room:{ROOM_ID}"]
    assert len(room) == 2 and len({m.ticket_id for m in room}) == 1
    # media kept by LINE fetched from the content endpoint and stored as attachments
    stored = list(db.session.scalars(select(MessageAttachment)))
    fetched = {r.path.split("/")[4] for r in line_platform.calls("/content")}
    # the file and the image of a set are LINE's to fetch; the recorded image, video and audio are the
    # sender's own (contentProvider external): linked, never fetched by Inbox
    assert len(stored) == len(fetched) == 2
    assert all(a.content == line_platform.content for a in stored)
    file = next(m for m in messages.values() if m.text == "[File] file.txt")
    assert [a.filename for a in file.attachments] == ["file.txt"]
    external = next(m for m in messages.values() if m.conversation_key == f"room:{ROOM_ID}" and m.text == "[Image]")
    assert external.raw["line"]["media"]["url"] == "https://example.com" and not external.attachments
    # follow (unblocked) then unfollow (a block) on the customer
    identity = db.session.scalar(select(ContactIdentity).where(ContactIdentity.external_id == USER_ID))
    assert identity.details["follow"] == "blocked"
    assert [n["change"] for n in identity.details["notes"]] == ["unblocked", "blocked"]
    assert identity.details["picture_url"].endswith(USER_ID)
    # postback, beacon, join... open no ticket; the unknown type is set aside
    tickets = db.session.scalar(select(func.count()).select_from(Ticket))
    assert tickets == len({m.conversation_key for m in messages.values()})
    [unknown] = _set_aside()
    assert "unknown event type 'undefined'" in unknown.reason and unknown.stage == "webhook"


def test_unsend_hides_the_text_and_keeps_it_for_audit(deliver, run_jobs):
    body = delivery()
    deliver(events_of(body, "message")), run_jobs()
    deliver(events_of(body, "unsend")), run_jobs()
    message = _messages()[RECORDED_MESSAGE_ID]
    assert message.text == ""
    assert message.raw["line"]["unsent"]["text"] == "Hello, world" and message.raw["line"]["unsent"]["by"] == "customer"


def test_an_edit_updates_the_text_with_the_edit_on_its_history(deliver, run_jobs):
    body = delivery()
    deliver(events_of(body, "message")), run_jobs()
    for _ in range(2):  # the edit delivered twice is applied once
        deliver(events_of(body, "messageEdited")), run_jobs()
    message = _messages()[RECORDED_MESSAGE_ID]
    assert message.text == "Hello, edited world"
    [edit] = message.raw["line"]["edits"]
    assert edit["previous"] == "Hello, world"


# -- nothing lost, nothing doubled ----------------------------------------------------------------

def test_redelivery_and_duplicate_ids_store_once(deliver, run_jobs):
    deliver(delivery()), run_jobs()
    first = {k: (m.id, m.text) for k, m in _messages().items()}
    redelivered = delivery()
    for event in redelivered["events"]:
        event["deliveryContext"]["isRedelivery"] = True
    deliver(redelivered), run_jobs()
    assert {k: (m.id, m.text) for k, m in _messages().items()} == first
    assert len(_set_aside()) == 1  # the unknown event, once


def test_the_recording_as_is_reuses_one_message_id_and_stores_it_once(deliver, run_jobs):
    deliver(delivery(distinct_ids=False)), run_jobs()
    messages = _messages()
    # ten message events carry "325708": the first (a text) is stored, the nine others are duplicates
    assert sorted(messages) == [RECORDED_MESSAGE_ID, "354718705033693861"]
    assert messages[RECORDED_MESSAGE_ID].raw["line"]["event"]["message"]["type"] == "text"


def test_redis_down_is_503_nothing_stored_then_the_redelivery_is_stored_once(app, deliver, run_jobs, tmp_path):
    from tests.chaos.conftest import OwnRedis

    from inbox.redis_client import connect

    body = events_of(delivery(), "message")
    own = OwnRedis(tmp_path / "redis")
    own.start()
    previous = app.extensions.get("inbox_redis")
    app.extensions["inbox_redis"] = connect(own.url)
    try:
        own.stop()
        response = deliver(body)
        assert response.status_code == 503
        assert _messages() == {} and _set_aside() == []
        own.start()
        assert deliver(body).status_code == 200
        assert deliver(body).status_code == 200  # LINE may deliver twice
        run_jobs()
        messages = _messages()
        assert messages[RECORDED_MESSAGE_ID].text == "Hello, world"
        assert db.session.scalar(select(func.count()).select_from(Message)) == len(messages) == 10
    finally:
        app.extensions["inbox_redis"] = previous
        own.stop()


def test_profiles_are_asked_once_a_day(deliver, run_jobs, line_platform):
    body = events_of(delivery(), "message")
    deliver(body), run_jobs()
    asked = len(line_platform.calls(f"/v2/bot/profile/{USER_ID}"))
    assert asked == 1
    again = json.loads(json.dumps(body))
    for event in again["events"]:
        event["message"]["id"] += "9"
    deliver(again), run_jobs()
    assert len(line_platform.calls(f"/v2/bot/profile/{USER_ID}")) == 1
