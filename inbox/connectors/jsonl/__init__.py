"""JSONL connector: one normalised message per line, from a file or a folder of `*.jsonl` files.

It is how any channel without an API (SMS gateways, phone logs, exports) gets in. The cursor
remembers, per file name, a byte offset and line number and which file that was (device, inode and
a hash of its first bytes), so a rotated or truncated file loses no line; a line still being
written (no newline yet) waits for the next poll.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from stat import S_ISREG
from typing import Any, Iterator, Mapping

from ...timeutil import utcnow
from ..base import (
    DIRECTIONS,
    MESSAGE_KINDS,
    Author,
    Connector,
    ConnectorError,
    FetchResult,
    InboundMessage,
    InvalidMessage,
    Rejected,
    UnsupportedOperation,
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
# how much of a file's start identifies it (with its device and inode)
HEAD_BYTES = 4096
# a folder this crowded is not searched further for a rotated file
MAX_SIBLINGS = 10_000


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


@dataclass
class FilePosition:
    """How far one file was read, and which file it was: its device and inode, and a hash of its first
    bytes (an inode can be reused by a new file once the old one is deleted)."""

    offset: int = 0
    line: int = 0
    device: int | None = None
    inode: int | None = None
    head: str | None = None
    head_bytes: int = 0

    @classmethod
    def from_cursor(cls, data: Any) -> "FilePosition":
        data = data if isinstance(data, Mapping) else {}

        def number(key: str) -> int | None:
            value = data.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

        return cls(number("offset") or 0, number("line") or 0, number("device"), number("inode"),
                   data.get("head") if isinstance(data.get("head"), str) else None, number("head_bytes") or 0)

    def to_cursor(self) -> dict[str, Any]:
        return {"offset": self.offset, "line": self.line, "device": self.device, "inode": self.inode,
                "head": self.head, "head_bytes": self.head_bytes}

    def is_file(self, stat: os.stat_result) -> bool | None:
        """Whether `stat` is this file; None when this position never learned which file it was."""
        if self.inode is None or self.device is None:
            return None
        return (stat.st_dev, stat.st_ino) == (self.device, self.inode)

    def remember(self, path: Path, stat: os.stat_result) -> None:
        self.device, self.inode = stat.st_dev, stat.st_ino
        self.head_bytes = min(self.offset, HEAD_BYTES)
        self.head = _head_hash(path, self.head_bytes)


def _head_hash(path: Path, length: int) -> str | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(length)
    except OSError:
        return None
    return hashlib.sha256(head).hexdigest()[:32] if len(head) == length else None


@register
class JsonlConnector(Connector):
    """Reads each file from where the last poll stopped, and knows each file by its identity, not only
    its name. A file renamed away (log rotation: `mv sms.jsonl sms.jsonl.1`, a new sms.jsonl started)
    is found again among the files beside it by its device, inode and first bytes, and finished
    before the new file is read from its start; a file truncated or rewritten in place is read again
    from its start (ingestion skips what is already stored)."""

    kind = "jsonl"
    title = "JSONL file or folder"

    def _root(self) -> Path:
        return Path(self.config.get("path", ""))

    def _files(self) -> list[Path]:
        root = self._root()
        if root.is_dir():
            return sorted(p for p in root.glob("*.jsonl") if p.is_file())
        return [root] if root.is_file() else []

    def _path_of(self, name: str) -> Path | None:
        root = self._root()
        if root.is_dir():
            return root / name
        return root if root.name == name else None

    def can_reply(self) -> bool:
        """Receive-only, unless an outbox file is set for another system to send what agents write."""
        return bool(self.config.get("outbox"))

    def send_reply(self, ticket_message: Mapping[str, Any], text: str) -> str:
        """Append the reply to the outbox file (one JSON line) for the system that sends it."""
        outbox = self.config.get("outbox")
        if not outbox:
            raise UnsupportedOperation("this channel cannot send replies")
        external_id = f"outbox-{uuid.uuid4().hex}"
        line = {"external_id": external_id, "conversation": ticket_message.get("conversation"),
                "in_reply_to": ticket_message.get("in_reply_to"), "to": ticket_message.get("customer_id"),
                "text": text, "created_at": utcnow().isoformat()}
        try:
            with open(outbox, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise ConnectorError(f"the outbox file could not be written ({exc.strerror or exc})") from exc
        return external_id

    def configured(self) -> tuple[bool, str]:
        path = self.config.get("path")
        if not path:
            return False, "import-only account (no path to poll)"
        if not Path(path).exists():
            return False, f"{path} does not exist"
        return True, ""

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        limit = int(self.config.get("fetch_limit", DEFAULT_FETCH_LIMIT))
        tracked: dict[str, Any] = dict((cursor or {}).get("files", {}))
        messages: list[InboundMessage] = []
        rejected: list[Rejected] = []
        files: dict[str, Any] = {}
        names = [p.name for p in self._files()]
        names += [name for name in tracked if name not in names]
        for name in names:
            path = self._path_of(name)
            if path is None:
                continue
            entry = tracked.get(name) if isinstance(tracked.get(name), Mapping) else {}
            current = FilePosition.from_cursor(entry)
            rotated = [FilePosition.from_cursor(item) for item in entry.get("rotated") or [] if isinstance(item, Mapping)]
            stat = _stat(path)
            same = current.is_file(stat) if stat is not None else None
            if same is False or (stat is None and current.inode is not None):
                # the name was given to another file, or to none yet: the file read so far is finished first
                rotated.append(current)
                current = FilePosition()
            elif stat is not None and current.offset and (
                    stat.st_size < current.offset or (current.head is not None and current.head != _head_hash(path, current.head_bytes))):
                log.info("account %s: %s was truncated or rewritten; reading it again from its start", self.account_name, name)
                current = FilePosition()
            unfinished = []
            for old in rotated:
                found = self._find_rotated(path, old)
                if found is None:
                    log.warning("account %s: the file that was %s is gone before it was read to its end (from byte %s)",
                                self.account_name, name, old.offset)
                    continue
                old_path, old_stat = found
                at_end = self._read(old_path, old, limit, messages, rejected)
                old.remember(old_path, old_stat)
                if not at_end:
                    unfinished.append(old)
            if stat is not None and len(messages) < limit:
                self._read(path, current, limit, messages, rejected)
                current.remember(path, stat)
            if stat is not None or unfinished:
                files[name] = {**current.to_cursor(), **({"rotated": [old.to_cursor() for old in unfinished]} if unfinished else {})}
        for problem in rejected:
            log.warning("account %s: skipped %s", self.account_name, problem)
        return FetchResult(messages=messages, cursor={"files": files}, rejected=rejected)

    @staticmethod
    def _find_rotated(path: Path, old: FilePosition) -> tuple[Path, os.stat_result] | None:
        """The file `old` was, by identity, among the files beside `path` (wherever rotation renamed it)."""
        if old.inode is None:
            return None
        try:
            siblings = sorted(path.parent.iterdir())[:MAX_SIBLINGS]
        except OSError:
            return None
        for candidate in siblings:
            stat = _stat(candidate)
            if stat is not None and S_ISREG(stat.st_mode) and old.is_file(stat) and \
                    stat.st_size >= old.offset and old.head == _head_hash(candidate, old.head_bytes):
                return candidate, stat
        return None

    def _read(self, path: Path, position: FilePosition, limit: int, messages: list[InboundMessage],
              rejected: list[Rejected]) -> bool:
        """Complete lines of `path` from `position` on, until `limit` messages; moves `position`.
        True when the file was read to its end (no line left half written)."""
        offset, line_number = position.offset, position.line
        at_end = False
        with open(path, "rb") as fh:
            fh.seek(offset)
            while len(messages) < limit:
                raw = fh.readline(MAX_LINE_BYTES + 2)
                if not raw:
                    at_end = True
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
        position.offset, position.line = offset, line_number
        return at_end


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None
