"""JSONL connector: one normalised message per line, from a file or a folder of `*.jsonl` files.

It is how any channel without an API (SMS gateways, phone logs, exports) gets in. The cursor
remembers a byte offset per file; a line still being written (no newline yet) waits for the
next poll.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..base import (
    DIRECTIONS,
    MESSAGE_KINDS,
    Author,
    Connector,
    FetchResult,
    InboundMessage,
    InvalidMessage,
    Rejected,
    check_message,
    register,
    to_utc,
)

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 1_000_000
DEFAULT_FETCH_LIMIT = 1_000
BOM = b"\xef\xbb\xbf"
# what is kept of a rejected line for the admin to read
MAX_REJECTED_PAYLOAD = 64_000


@dataclass(frozen=True)
class ParsedLine:
    line_number: int
    message: InboundMessage | None
    error: str | None
    raw: bytes = b""

    def rejected(self, file_name: str) -> Rejected:
        return Rejected(f"{file_name} line {self.line_number}", self.error or "", printable(self.raw))


def printable(raw: bytes) -> str:
    """A rejected line as text an admin can read and the database can store."""
    text = raw[:MAX_REJECTED_PAYLOAD].decode("utf-8", "backslashreplace").replace("\x00", "\\x00")
    return text + ("…" if len(raw) > MAX_REJECTED_PAYLOAD else "")


def _required_str(data: Mapping[str, Any], key: str, where: str = "") -> str:
    value = data.get(key)
    if isinstance(value, (int,)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidMessage(f"{where}{key} is missing or not a non-empty string")
    return value.strip()


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidMessage(f"{key} must be a string")
    return value


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise InvalidMessage("created_at must be an ISO 8601 string with offset")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidMessage(f"created_at is not ISO 8601: {value[:40]!r}") from None
    return to_utc(parsed)


def message_from_record(record: Any) -> InboundMessage:
    """Validate one decoded JSON line; raises InvalidMessage with a reason a person can act on."""
    if not isinstance(record, dict):
        raise InvalidMessage("line is not a JSON object")
    kind = record.get("kind")
    if kind not in MESSAGE_KINDS:
        raise InvalidMessage(f"kind must be one of {', '.join(MESSAGE_KINDS)}")
    author = record.get("author")
    if not isinstance(author, dict):
        raise InvalidMessage("author must be an object with id, handle and name")
    followers = author.get("followers")
    if followers is not None:
        if isinstance(followers, bool) or not isinstance(followers, int) or followers < 0:
            raise InvalidMessage("author.followers must be a non-negative integer")
        followers = min(followers, 2**62)
    text = record.get("text")
    if not isinstance(text, str):
        raise InvalidMessage("text is missing or not a string")
    if not text.strip():
        raise InvalidMessage("text is empty")
    direction = record.get("direction") or "inbound"
    if direction not in DIRECTIONS:
        raise InvalidMessage("direction must be inbound or outbound")
    author_id = _required_str(author, "id", "author.")
    return check_message(InboundMessage(
        external_id=_required_str(record, "external_id"),
        kind=kind,
        conversation=_required_str(record, "conversation"),
        author=Author(
            external_id=author_id,
            handle=_optional_str(author, "handle") or author_id,
            name=_optional_str(author, "name") or _optional_str(author, "handle") or author_id,
            followers=followers,
        ),
        text=text,
        created_at=_timestamp(record.get("created_at")),
        in_reply_to=_optional_str(record, "in_reply_to"),
        url=_optional_str(record, "url"),
        lang=_optional_str(record, "lang"),
        direction=direction,
        raw=record,
    ))


def parse_line(raw: bytes, line_number: int) -> ParsedLine:
    if len(raw) > MAX_LINE_BYTES:
        return ParsedLine(line_number, None, f"line is longer than {MAX_LINE_BYTES:,} bytes", raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ParsedLine(line_number, None, "line is not valid UTF-8", raw)
    if not text.strip():
        return ParsedLine(line_number, None, None)
    try:
        record = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        return ParsedLine(line_number, None, f"not valid JSON ({getattr(exc, 'msg', 'too deeply nested')})", raw)
    try:
        return ParsedLine(line_number, message_from_record(record), None)
    except InvalidMessage as exc:
        return ParsedLine(line_number, None, str(exc), raw)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # never let one line stop the file
        return ParsedLine(line_number, None, f"unreadable ({type(exc).__name__})", raw)


def read_messages(path: Path) -> Iterator[ParsedLine]:
    """Every line of one JSONL file, valid or not, with its 1-based line number."""
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
            result = parse_line(raw.rstrip(b"\r\n"), number)
            if result.message is not None or result.error is not None:
                yield result


@register
class JsonlConnector(Connector):
    kind = "jsonl"
    title = "JSONL file or folder"

    def _files(self) -> list[Path]:
        root = Path(self.config.get("path", ""))
        if root.is_dir():
            return sorted(p for p in root.glob("*.jsonl") if p.is_file())
        return [root] if root.is_file() else []

    def configured(self) -> tuple[bool, str]:
        path = self.config.get("path")
        if not path:
            return False, "import-only account (no path to poll)"
        if not Path(path).exists():
            return False, f"{path} does not exist"
        return True, ""

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        limit = int(self.config.get("fetch_limit", DEFAULT_FETCH_LIMIT))
        offsets: dict[str, Any] = dict((cursor or {}).get("files", {}))
        messages: list[InboundMessage] = []
        rejected: list[Rejected] = []
        for path in self._files():
            if len(messages) >= limit:
                break
            state = offsets.get(path.name) or {"offset": 0, "line": 0}
            offset, line_number = int(state["offset"]), int(state["line"])
            size = path.stat().st_size
            if size < offset:  # truncated or replaced: start again; ingestion is idempotent
                offset, line_number = 0, 0
            with open(path, "rb") as fh:
                fh.seek(offset)
                while len(messages) < limit:
                    raw = fh.readline(MAX_LINE_BYTES + 2)
                    if not raw:
                        break
                    if not raw.endswith(b"\n"):
                        if len(raw) > MAX_LINE_BYTES:
                            head = raw
                            # an oversized line: skip to its end so one bad line cannot stall the file
                            while raw and not raw.endswith(b"\n"):
                                raw = fh.readline(MAX_LINE_BYTES)
                            line_number += 1
                            offset = fh.tell()
                            rejected.append(Rejected(f"{path.name} line {line_number}",
                                                     f"line is longer than {MAX_LINE_BYTES:,} bytes", printable(head)))
                            continue
                        break  # a line still being written
                    if offset == 0 and raw.startswith(BOM):
                        raw = raw[len(BOM):]
                    line_number += 1
                    offset = fh.tell()
                    result = parse_line(raw.rstrip(b"\r\n"), line_number)
                    if result.error:
                        rejected.append(result.rejected(path.name))
                    elif result.message:
                        messages.append(result.message)
            offsets[path.name] = {"offset": offset, "line": line_number}
        for problem in rejected:
            log.warning("account %s: skipped %s", self.account_name, problem)
        return FetchResult(messages=messages, cursor={"files": offsets}, rejected=rejected)
