"""The JSONL connector: cursor, partial lines, hostile and malformed input."""
from __future__ import annotations

import json

import pytest

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
    assert [r.reference for r in result.rejected] == [f"in.jsonl line {n}" for n in range(2, 9)]
    assert "UTF-8" in result.rejected[5].reason and "longer" in result.rejected[6].reason
    assert result.rejected[0].payload == "{broken"  # what was received, kept for the admin to read
    assert result.rejected[5].payload == '{"text": "\\xff\\xfe"}'  # undecodable bytes shown escaped


def test_text_is_kept_verbatim_and_what_cannot_be_stored_is_rejected(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [
        message("1", "c", "<b>bold</b> 'quotes' \u202e RTL 😡 返金", ago(minutes=3)),
        message("2", "c", "ä" * 50_000, ago(minutes=2)),
        message("3", "c", "ä" * 50_001, ago(minutes=2)),
        message("4", "c", "nul \x00 inside", ago(minutes=1)),
    ])
    result = JsonlConnector({"path": str(path)}).fetch(None)
    assert [m.text for m in result.messages] == ["<b>bold</b> 'quotes' \u202e RTL 😡 返金", "ä" * 50_000]
    assert [(r.reference, r.reason) for r in result.rejected] == [
        ("in.jsonl line 3", "text is longer than 50,000 characters"),
        ("in.jsonl line 4", "text contains a NUL character"),
    ]


def test_poison_lines_each_get_a_reason_and_good_lines_around_them_are_read(tmp_path):
    good = [message(f"g{i}", f"c{i}", f"good line {i}", ago(minutes=10 - i)) for i in range(3)]
    path = tmp_path / "poison.jsonl"
    path.write_bytes(b"\xef\xbb\xbf")  # a UTF-8 byte order mark before the first line
    write_jsonl(path, [good[0]], raw_lines=[
        json.dumps({**message("p1", "c", "x", ago(minutes=4)), "text": "bad \ud800"}),
        json.dumps({**message("p2", "c", "x", ago(minutes=4)), "created_at": "0001-01-01T00:30:00+01:00"}),
        json.dumps({**message("p3", "c", "x", ago(minutes=4)), "created_at": "9999-12-31T23:59:59+00:00"}),
        json.dumps({k: v for k, v in message("p4", "c", "x", ago(minutes=4)).items() if k != "text"}),
        json.dumps({**message("p5", "c", "x", ago(minutes=4)), "external_id": "e" * 600}),
        json.dumps({**message("p6", "c", "x", ago(minutes=4)), "author": {"id": "a", "followers": "many"}}),
        json.dumps({**message("p7", "c", "x", ago(minutes=4)), "text": 42}),
    ])
    write_jsonl(path, good[1:])
    result = JsonlConnector({"path": str(path)}).fetch(None)
    assert [m.external_id for m in result.messages] == ["g0", "g1", "g2"]  # the BOM did not cost line 1
    reasons = {r.reference: r.reason for r in result.rejected}
    assert reasons == {
        "poison.jsonl line 2": "text contains a lone surrogate (not valid Unicode)",
        "poison.jsonl line 3": "created_at is out of range",
        "poison.jsonl line 4": "created_at 9999-12-31 is outside 1970-2100",
        "poison.jsonl line 5": "text is missing or not a string",
        "poison.jsonl line 6": "external_id is longer than 512 characters",
        "poison.jsonl line 7": "author.followers must be a non-negative integer",
        "poison.jsonl line 8": "text is missing or not a string",
    }


def _batch(prefix: str, count: int) -> list[dict]:
    return [message(f"{prefix}{i}", f"{prefix}-c", f"{prefix} line {i}", ago(minutes=90 - i)) for i in range(1, count + 1)]


@pytest.mark.parametrize("poll_folder", [False, True], ids=["file", "folder"])
def test_a_file_rotated_between_two_polls_loses_no_line(tmp_path, poll_folder):
    path = write_jsonl(tmp_path / "sms.jsonl", _batch("a", 10))
    connector = JsonlConnector({"path": str(tmp_path if poll_folder else path)})
    first = connector.fetch(None)
    assert len(first.messages) == 10
    # before the next poll: 5 more lines (the 4th not JSON), `mv sms.jsonl sms.jsonl.1`, a new sms.jsonl of 30
    extra = _batch("b", 4)
    write_jsonl(path, extra[:3], raw_lines=["{cut off"])
    write_jsonl(path, extra[3:])
    path.rename(tmp_path / "sms.jsonl.1")
    new = _batch("c", 30)
    write_jsonl(path, new[:6], raw_lines=["{not json either"])
    write_jsonl(path, new[7:])
    second = connector.fetch(first.cursor)
    assert [m.external_id for m in second.messages] == [m["external_id"] for m in extra + new[:6] + new[7:]]
    assert len(first.messages) + len(second.messages) + len(second.rejected) == 45
    assert [r.reference for r in second.rejected] == ["sms.jsonl.1 line 14", "sms.jsonl line 7"]
    third = connector.fetch(second.cursor)
    assert third.messages == [] and third.rejected == []
    assert "rotated" not in third.cursor["files"]["sms.jsonl"]


def test_rotation_waits_for_the_old_file_when_the_limit_is_reached(tmp_path):
    path = write_jsonl(tmp_path / "sms.jsonl", _batch("a", 2))
    connector = JsonlConnector({"path": str(path), "fetch_limit": 4})
    first = connector.fetch(None)
    write_jsonl(path, _batch("b", 6))
    path.rename(tmp_path / "sms.jsonl.1")
    write_jsonl(path, _batch("c", 3))
    second = connector.fetch(first.cursor)
    assert [m.external_id for m in second.messages] == ["b1", "b2", "b3", "b4"]  # the old file first
    third = connector.fetch(second.cursor)
    assert [m.external_id for m in third.messages] == ["b5", "b6", "c1", "c2"]
    fourth = connector.fetch(third.cursor)
    assert [m.external_id for m in fourth.messages] == ["c3"]


def test_a_file_truncated_in_place_is_read_again_from_its_start(tmp_path):
    path = write_jsonl(tmp_path / "sms.jsonl", _batch("a", 10))
    connector = JsonlConnector({"path": str(path)})
    first = connector.fetch(None)
    path.write_text("")  # truncated by the writer, then refilled past the old offset before the next poll
    longer = _batch("z", 12)
    write_jsonl(path, longer[:2], raw_lines=["{broken"])
    write_jsonl(path, longer[3:])
    second = connector.fetch(first.cursor)
    assert [m.external_id for m in second.messages] == [m["external_id"] for m in longer[:2] + longer[3:]]
    assert [r.reference for r in second.rejected] == ["sms.jsonl line 3"]
    path.write_text("")
    write_jsonl(path, _batch("y", 2))  # shorter than before
    third = connector.fetch(second.cursor)
    assert [m.external_id for m in third.messages] == ["y1", "y2"]


def test_a_cursor_from_before_file_identities_resumes_where_it_was(tmp_path):
    path = write_jsonl(tmp_path / "sms.jsonl", _batch("a", 3))
    offset = path.stat().st_size
    write_jsonl(path, _batch("b", 1))
    result = JsonlConnector({"path": str(path)}).fetch({"files": {"sms.jsonl": {"offset": offset, "line": 3}}})
    assert [m.external_id for m in result.messages] == ["b1"]
