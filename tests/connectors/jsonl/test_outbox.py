"""A JSONL account replies only when it has an outbox file: one JSON line per reply, for another system."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from inbox.connectors.base import ConnectorError, UnsupportedOperation, connector_for

TARGET = {"conversation": "c-1", "in_reply_to": "m-1", "customer_id": "cust-9", "ticket_id": 3}


def _account(**config):
    return SimpleNamespace(connector="jsonl", config=config, name="Import")


def test_without_an_outbox_the_account_only_receives():
    connector = connector_for(_account(path="/nowhere"))
    assert connector.can_reply() is False
    with pytest.raises(UnsupportedOperation, match="cannot send replies"):
        connector.send_reply(TARGET, "hello")


def test_with_an_outbox_each_reply_is_one_line_with_its_own_id(tmp_path):
    outbox = tmp_path / "replies.out"
    connector = connector_for(_account(outbox=str(outbox)))
    assert connector.can_reply() is True
    first = connector.send_reply(TARGET, "Sorry about that — 返金します")
    second = connector.send_reply(TARGET, "Done.")
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert [line["external_id"] for line in lines] == [first, second] and first != second
    assert lines[0]["text"] == "Sorry about that — 返金します"
    assert (lines[0]["conversation"], lines[0]["in_reply_to"], lines[0]["to"]) == ("c-1", "m-1", "cust-9")


def test_an_outbox_that_cannot_be_written_is_a_connector_error(tmp_path):
    connector = connector_for(_account(outbox=str(tmp_path / "missing" / "replies.out")))
    with pytest.raises(ConnectorError, match="outbox file could not be written"):
        connector.send_reply(TARGET, "hello")
