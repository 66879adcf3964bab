"""The JSONL connector: cursor, partial lines, hostile and malformed input."""
from __future__ import annotations

import json

from inbox.connectors.base import connector_class
from inbox.connectors.jsonl import MAX_LINE_BYTES, JsonlConnector
from tests.helpers import ago, message, write_jsonl


def test_registry_knows_jsonl():
    assert connector_class("jsonl") is JsonlConnector


def test_cursor_resumes_and_waits_for_partial_line(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [message("1", "c", "one", ago(minutes=2))])
    connector = JsonlConnector({"path": str(path)})
    first = connector.fetch(None)
    assert [m.external_id for m in first.messages] == ["1"]
    line = json.dumps(message("2", "c", "two", ago(minutes=1)))
    with open(path, "a") as fh:
        fh.write(line[:20])  # a writer is mid-line
    second = connector.fetch(first.cursor)
    assert second.messages == [] and second.cursor == first.cursor
    with open(path, "a") as fh:
        fh.write(line[20:] + "\n")
    third = connector.fetch(second.cursor)
    assert [m.external_id for m in third.messages] == ["2"]


def test_folder_of_files_and_unknown_fields_kept(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [message("a1", "c", "from a", ago(minutes=3), ticket_ref="T-9")])
    write_jsonl(tmp_path / "b.jsonl", [message("b1", "d", "from b", ago(minutes=2), kind="sms")])
    (tmp_path / "notes.txt").write_text("ignored")
    result = JsonlConnector({"path": str(tmp_path)}).fetch(None)
    assert [m.external_id for m in result.messages] == ["a1", "b1"]
    assert result.messages[0].raw["ticket_ref"] == "T-9"
    assert result.messages[0].created_at.tzinfo is not None


def test_bad_lines_are_rejected_with_line_numbers(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [message("1", "c", "ok", ago(minutes=5))], raw_lines=[
        "{broken",
        json.dumps({**message("2", "c", "x", ago(minutes=4)), "created_at": "2026-11-24T10:00:00"}),  # no offset
        json.dumps({**message("3", "c", "x", ago(minutes=4)), "author": "just a string"}),
        json.dumps([1, 2, 3]),
        "[" * 100_000,
    ])
    with open(path, "ab") as fh:
        fh.write(b'{"text": "\xff\xfe"}\n')
        fh.write(b"x" * (MAX_LINE_BYTES + 10) + b"\n")
    write_jsonl(path, [message("4", "c", "still read after the bad lines", ago(minutes=1))])
    result = JsonlConnector({"path": str(path)}).fetch(None)
    assert [m.external_id for m in result.messages] == ["1", "4"]
    assert [r.split(":")[1] for r in result.rejected] == ["2", "3", "4", "5", "6", "7", "8"]
    assert "UTF-8" in result.rejected[5] and "longer" in result.rejected[6]


def test_text_is_kept_verbatim_but_bounded(tmp_path):
    huge = "ä" * 60_000
    path = write_jsonl(tmp_path / "in.jsonl", [
        message("1", "c", "<b>bold</b> 'quotes' \u202e RTL \x00 nul", ago(minutes=2)),
        message("2", "c", huge, ago(minutes=1)),
    ])
    first, second = JsonlConnector({"path": str(path)}).fetch(None).messages
    assert first.text == "<b>bold</b> 'quotes' \u202e RTL  nul"
    assert len(second.text) == 50_000
