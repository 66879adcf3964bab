"""An account's "N item(s) set aside" note stays, poll after poll, until an admin opens the pipeline page."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from inbox.auth.users import create_user
from inbox.channels import get_or_create_account
from inbox.channels.poller import poll_once
from tests.helpers import csrf_token, message, write_jsonl

START = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def admin(client, app):
    create_user("admin@example.com", "Ada Admin", "admin", "correct horse battery")
    page = client.get("/login")
    client.post("/login", data={"email": "admin@example.com", "password": "correct horse battery", "csrf_token": csrf_token(page)})
    return client


def channels_page(admin) -> str:
    return admin.get("/admin/channels").get_data(as_text=True)


def test_the_set_aside_note_stays_until_the_pipeline_page_is_opened(app, admin, tmp_path):
    feed = tmp_path / "sms" / "sms.jsonl"
    write_jsonl(feed, [message("s1", "+8190", "hello", START, author="+8190", kind="sms", followers=None)],
                raw_lines=["{not json", json.dumps({"external_id": "s-bad", "kind": "sms"})])
    get_or_create_account("SMS gateway", "jsonl", "sms", {"path": str(feed.parent)})
    (first,) = poll_once()
    assert first.rejected == 2
    assert "2 item(s) set aside; last: sms.jsonl line 3" in channels_page(admin)

    # the next polls find nothing wrong: the note is still there, nobody has looked yet
    write_jsonl(feed, [message("s2", "+8190", "thanks", START + timedelta(minutes=1), author="+8190", kind="sms", followers=None)])
    assert poll_once()[0].rejected == 0
    assert poll_once()[0].rejected == 0
    assert "2 item(s) set aside" in channels_page(admin)

    # an admin opens the pipeline page, where both are listed: the note has been read
    pipeline = admin.get("/admin/pipeline").get_data(as_text=True)
    assert "sms.jsonl line 2" in pipeline and "sms.jsonl line 3" in pipeline
    assert "set aside" not in channels_page(admin)
    assert poll_once()[0].rejected == 0
    assert "set aside" not in channels_page(admin)

    # something new set aside later: counted from the mark, not from the start
    write_jsonl(feed, [], raw_lines=["[1, 2"])
    assert poll_once()[0].rejected == 1
    assert "1 item(s) set aside; last: sms.jsonl line 5" in channels_page(admin)
