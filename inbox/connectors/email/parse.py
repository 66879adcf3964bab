"""One RFC 822 / MIME message (bytes) into what Inbox keeps of it. Pure: no network, no database.

Parsed with the standard `email` package and its modern policy. Everything read from a header is
made safe to show and to reuse in our own headers (no CR/LF, no control characters); bodies in any
charset Python knows are decoded, unknown or lying charsets fall back to a lossless-enough decode
instead of failing; the MIME tree is walked with a depth and part limit so a mail bomb of nested
multiparts costs nothing.
"""
from __future__ import annotations

import base64
import codecs
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser, Parser
from email.utils import parsedate_to_datetime
from typing import Any, Iterator

from .text import html_to_text, strip_quotes_and_signature, tidy

MAX_DEPTH = 12
MAX_PARTS = 200
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS_TOTAL = 15 * 1024 * 1024
MAX_HEADER_CHARS = 998
MAX_ADDRESS_HEADER_CHARS = 20_000  # a To or Cc with many recipients
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,500})>")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_FILENAME_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\"<>:|?*]+')
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|antw|r|rif|tr|ref|res|enc|odp|返信|転送|回复|回覆|答复)\s*(\[\d+\])?\s*[:：]\s*)+",
                           re.IGNORECASE)
_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`{|}~-]+/[A-Za-z0-9!#$%&'*+.^_`{|}~-]+$")


class UnreadableEmail(ValueError):
    """The bytes are not a message Inbox can store; the text says why."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    data: bytes | None  # None when it was not kept
    dropped: str | None = None  # why it was not kept

    def to_payload(self) -> dict[str, Any]:
        item: dict[str, Any] = {"filename": self.filename, "content_type": self.content_type, "size": self.size}
        if self.data is not None:
            item["data_b64"] = base64.b64encode(self.data).decode("ascii")
        if self.dropped:
            item["dropped"] = self.dropped
        return item


@dataclass(frozen=True)
class Bounce:
    """A delivery status notification (RFC 3464) about a message we sent."""

    original_message_id: str | None
    recipients: tuple[str, ...]
    reason: str


@dataclass
class ParsedEmail:
    message_id: str
    subject: str
    sender: str  # lower-cased address
    sender_name: str
    date: datetime | None
    text: str  # what the agent reads
    full_text: str  # the whole body as text
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    reply_to: str | None = None
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    html: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str | None = None  # why this opens no ticket (auto-reply, list mail, report)
    bounce: Bounce | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this one answers, most specific first (In-Reply-To, then References newest first)."""
        seen: list[str] = []
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            if mid not in seen and mid != self.message_id:
                seen.append(mid)
        return seen

    @property
    def root_id(self) -> str:
        """The thread's first message as the References header names it (RFC 5322 keeps it first)."""
        if self.references:
            return self.references[0]
        return self.in_reply_to[0] if self.in_reply_to else self.message_id


def safe_header(value: Any, limit: int = MAX_HEADER_CHARS) -> str:
    """A header value fit to show and to put in one of our own headers: one line, no controls."""
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:  # a header object whose decoding fails on str()
        return ""
    text = _UNSAFE.sub(" ", text).strip()
    return text.encode("utf-8", "replace").decode("utf-8")[:limit]


def message_ids(value: Any) -> list[str]:
    ids = _MESSAGE_ID.findall(safe_header(value, 20_000))
    return [i for i in dict.fromkeys(ids)][:100]


def normalised_subject(subject: str) -> str:
    """"Re: AW: [Acme] Order 42" and "order 42" are the same thread's subject."""
    text = subject
    for _ in range(10):
        before = text
        text = _REPLY_PREFIX.sub("", text)
        text = _TAG.sub("", text)
        if text == before:
            break
    return " ".join(text.split()).casefold()


def has_reply_prefix(subject: str) -> bool:
    return bool(_REPLY_PREFIX.match(subject))


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # the modern policy parses structured headers lazily; a broken one must not stop us
        try:
            value = msg.get_all(name, failobj=[None])[0]
            value = value if value is None else str(value)
        except Exception:
            value = None
    return safe_header(value)


def _raw_header(msg: Message, name: str, limit: int = MAX_HEADER_CHARS) -> str:
    """The header's undecoded text, as the sender wrote it (encoded words still encoded)."""
    for key, value in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
        if key.lower() == name.lower():
            return safe_header(value, limit)
    return ""


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    result = []
    for display, address in strict_addresses(_raw_header(msg, name, MAX_ADDRESS_HEADER_CHARS)):
        address = safe_header(address, 320).lower()
        if "@" in address:
            result.append((safe_header(display, 200), address))
    return result


def strict_addresses(value: str) -> list[tuple[str, str]]:
    """(display name, address) of each mailbox in an address header's raw text (RFC 5322).

    The address is what the angle brackets hold whenever there are any, however much the display name
    looks like an address: `alice@example.com <bob@example.com>` is bob, and so is a reply to
    `Reply-To: henry@example.com <ivan@example.com>` ivan's (Python's own parser takes the unquoted
    name for the address there). Groups (`team: a@x, b@y;`) give their members; comments are dropped
    from the address and stand for the name when there is none (`bob@example.com (Bob)`)."""
    found = []
    for item in _mailboxes(value):
        angle = _last_angle(item)
        if angle is not None:
            start, end = angle
            address = item[start + 1:end]
            display = item[:start] + item[end + 1:]
            comment = ""
        else:
            address, comment = _without_comments(item)
            display = ""
        if address.startswith("@") and ":" in address:  # an obsolete source route: <@relay:bob@example.com>
            address = address.split(":", 1)[1]
        address = "".join(address.split())
        name = _decoded_words(_unquoted(_without_comments(display)[0] if display else "")) or _decoded_words(comment)
        if address:
            found.append((name, address))
    return found


def _outside_quotes(value: str) -> Iterator[tuple[int, str]]:
    """Each character of a header value that is outside quoted strings and comments, with its index."""
    quoted = escaped = False
    comments = 0
    for index, char in enumerate(value):
        if escaped:
            escaped = False
        elif char == "\\" and (quoted or comments):
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"' and not comments:
            quoted = True
        elif char == "(":
            comments += 1
        elif char == ")" and comments:
            comments -= 1
        elif not comments:
            yield index, char


def _mailboxes(value: str) -> list[str]:
    """The header split at the commas that separate mailboxes (not those in quotes, comments or
    angle brackets); a group's name and its closing ";" are dropped."""
    items: list[str] = []
    start = angles = 0
    for index, char in _outside_quotes(value):
        if char == "<":
            angles += 1
        elif char == ">" and angles:
            angles -= 1
        elif angles:
            pass
        elif char in ",;":
            items.append(value[start:index])
            start = index + 1
        elif char == ":":  # "group name:" — what follows are its members
            start = index + 1
    items.append(value[start:])
    return [item.strip() for item in items if item.strip()]


def _last_angle(item: str) -> tuple[int, int] | None:
    """(start, end) of the last <...> outside quotes and comments."""
    start = found = None
    for index, char in _outside_quotes(item):
        if char == "<":
            start = index
        elif char == ">" and start is not None:
            found, start = (start, index), None
    return found


def _without_comments(text: str) -> tuple[str, str]:
    """(text without its (comments), the comments' words)."""
    kept: list[str] = []
    said: list[str] = []
    quoted = escaped = False
    depth = 0
    for char in text:
        if escaped:
            escaped = False
            (said if depth else kept).append(char)
            continue
        if char == "\\" and (quoted or depth):
            escaped = True
            if not depth:
                kept.append(char)
            continue
        if depth:
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                continue
            said.append(char)
            continue
        if char == '"':
            quoted = not quoted
        elif char == "(" and not quoted:
            depth = 1
            continue
        kept.append(char)
    return "".join(kept).strip(), " ".join("".join(said).split())


def _unquoted(text: str) -> str:
    out: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char != '"':
            out.append(char)
    return " ".join("".join(out).split())


def _decoded_words(text: str) -> str:
    """RFC 2047 encoded words (=?charset?b?...?=) in a display name, decoded."""
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except (LookupError, UnicodeError, ValueError, AssertionError):
        return text


def _date(msg: Message) -> datetime | None:
    raw = _raw_header(msg, "Date")
    if not raw:
        return None
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    try:
        moment = parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None
    if not datetime(1970, 1, 1, tzinfo=timezone.utc) <= moment < datetime(2100, 1, 1, tzinfo=timezone.utc):
        return None
    return moment


# what mail clients mean when they declare a charset that is a subset of what they actually write
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949", "shift_jis": "cp932", "euc_jp": "euc_jis_2004",
              "iso2022_jp": "iso2022_jp_ext", "iso8859-1": "cp1252", "ascii": "cp1252"}


def _decoded_text(part: Message, problems: list[str]) -> str:
    """A text part's content, decoded strictly in the charset it declares (or its usual superset:
    GB2312 mail written in GBK). Bytes that do not fit are read as UTF-8 when they are valid UTF-8
    (the common mislabel), else with replacement characters; either way a note under the message
    says what was done. Never the silent substitution `get_content()` would make."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        text = part.get_payload()
        return text if isinstance(text, str) else ""
    declared_name = part.get_content_charset()
    declared = _codec(declared_name) if declared_name else None
    label = safe_header(declared_name, 40)
    if declared_name and declared is None:
        problems.append(f"the text's charset {label!r} is unknown; read as "
                        + ("UTF-8" if _fits(payload, "utf-8") else "Windows-1252"))
    if declared is not None:
        if _fits(payload, declared):
            return payload.decode(declared)
        # valid UTF-8 beyond ASCII is almost never an accident, while a legacy multi-byte charset
        # (GB18030 above all) decodes nearly any bytes into something: UTF-8 is tried first
        if declared != "utf-8" and _fits(payload, "utf-8"):
            problems.append(f"the text says it is {label} but is UTF-8; read as UTF-8")
            return payload.decode("utf-8")
        superset = _SUPERSETS.get(declared)
        if superset and _fits(payload, superset):
            return payload.decode(superset)
        if declared == "utf-8" and _fits(payload, "cp1252"):
            problems.append(f"the text says it is {label} but is not; read as Windows-1252")
            return payload.decode("cp1252")
        problems.append(f"the text does not fit its charset {label}; shown with replacement characters")
        return payload.decode(superset or declared, "replace")
    if _fits(payload, "utf-8"):
        return payload.decode("utf-8")
    if declared_name is None:
        problems.append("the text names no charset and is not UTF-8; read as Windows-1252")
    return payload.decode("cp1252", "replace")


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def _fits(payload: bytes, codec: str) -> bool:
    try:
        payload.decode(codec)
    except (UnicodeError, LookupError):
        return False
    return True


def safe_content_type(value: str) -> str:
    value = (value or "").lower().strip()
    return value if _TOKEN.match(value) and len(value) <= 100 else "application/octet-stream"


def safe_filename(value: str | None, fallback: str) -> str:
    name = _FILENAME_UNSAFE.sub("_", safe_header(value, 200)).strip(" .") if value else ""
    return name or fallback


def _filename(part: Message) -> str | None:
    try:
        return part.get_filename()
    except Exception:
        return None


def _walk(msg: Message, problems: list[str]) -> list[tuple[Message, int]]:
    """Leaf parts in document order, depth-first, within MAX_DEPTH and MAX_PARTS."""
    leaves: list[tuple[Message, int]] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            problems.append(f"more than {MAX_PARTS} MIME parts; the rest were not read")
            break
        if part.is_multipart():
            if depth >= MAX_DEPTH:
                problems.append(f"MIME parts nested deeper than {MAX_DEPTH} levels were not read")
                continue
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children) if isinstance(child, Message))
            continue
        leaves.append((part, depth))
    return leaves


_BOUNDARY_LINE = re.compile(r"^--([0-9A-Za-z'()+_,./:=?-]{1,70}?)(--)?[ \t]*\r?$", re.MULTILINE)
_MIME_INSIDE = re.compile(r"^(content-(type|transfer-encoding|disposition)[ \t]*:|[A-Za-z0-9+/]{60,}={0,2}[ \t]*\r?$)",
                          re.IGNORECASE | re.MULTILINE)


def _repair(msg: Message, problems: list[str]) -> None:
    """Mend, in place, the two boundary mistakes senders make, so no part is lost or shown as raw MIME:

    - a multipart whose declared boundary never appears, while its body is separated by another one:
      its parts are read by the boundary they actually use;
    - a nested multipart that reuses the boundary of the part around it: its closing line ends the
      outer part too, and the parts after it (a zip, often) would fall into the outer epilogue,
      which nobody reads; they are read from there and added to the outer part.
    Each repair is noted under the message."""
    stack: list[tuple[Message, int]] = [(msg, 0)]
    visited = 0
    while stack:
        part, depth = stack.pop()
        visited += 1
        if visited > MAX_PARTS or depth >= MAX_DEPTH or part.get_content_maintype() != "multipart":
            continue
        payload = part.get_payload()
        if isinstance(payload, str):
            used = _used_boundary(payload)
            children, _rest = _split_parts(payload, used) if used else ([], "")
            if not children:
                continue
            part.set_payload(children)
            payload = children
            problems.append("the email's MIME boundary does not match the one its parts use; its parts were read by the one they use")
        if not isinstance(payload, list):
            continue
        boundary = part.get_boundary()
        epilogue = part.epilogue or ""
        recovered = 0
        while boundary and epilogue and _opens_part(epilogue, boundary) and len(payload) < MAX_PARTS:
            extra, epilogue = _split_parts(epilogue, boundary)
            if not extra:
                problems.append("text after the end of the email's parts could not be read as parts; open it in the mailbox")
                break
            payload.extend(extra)
            recovered += len(extra)
        if recovered:
            part.epilogue = epilogue
            problems.append(f"a nested part reused the MIME boundary of the part around it; {recovered} part(s) after it "
                            "were recovered")
        stack.extend((child, depth + 1) for child in reversed(payload) if isinstance(child, Message))


def _opens_part(text: str, boundary: str) -> bool:
    """Whether `text` has a line that opens a part with `boundary` (a repeated closing line does not)."""
    return re.search(rf"^--{re.escape(boundary)}[ \t]*\r?$", text, re.MULTILINE) is not None


def _used_boundary(body: str) -> str | None:
    """The boundary a multipart body actually uses: the first `--token` line that comes back."""
    tokens = [match.group(1) for match in _BOUNDARY_LINE.finditer(body[:1_000_000])][:MAX_PARTS * 10]
    counts = Counter(tokens)
    return next((token for token in tokens if counts[token] > 1), None)


def _split_parts(body: str, boundary: str) -> tuple[list[Message], str]:
    """(the parts of `body` separated by `boundary`, the text after its closing line)."""
    if '"' in boundary or "\\" in boundary:
        return [], body
    container = BytesParser(policy=policy.default).parsebytes(
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode("ascii") + _as_bytes(body))
    children = container.get_payload()
    if not isinstance(children, list):
        return [], body
    return [child for child in children if isinstance(child, Message)], container.epilogue or ""


def _as_bytes(text: str) -> bytes:
    """A payload the bytes parser gave as text, back to its bytes (8-bit bytes ride as surrogates)."""
    try:
        return text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def _payload_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    return _as_bytes(payload) if isinstance(payload, str) else b""


def _automatic(msg: Message, content_type: str) -> str | None:
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"automatic message (Auto-Submitted: {auto[:40]})"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _header(msg, name):
            return f"automatic reply ({name})"
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"bulk or list mail (Precedence: {precedence})"
    if _header(msg, "List-Id") or _header(msg, "List-Post"):
        return "mailing-list mail (List-Id)"
    if content_type == "multipart/report":
        return "delivery or read report"
    return None


def _bounce(msg: Message, problems: list[str]) -> Bounce | None:
    """RFC 3464 delivery-status reports: which of our messages failed, for whom, and why."""
    if msg.get_content_type() != "multipart/report":
        return None
    try:
        report_type = (msg.get_param("report-type") or "").lower()
    except Exception:
        report_type = ""
    if report_type and report_type != "delivery-status":
        return None
    original: str | None = None
    recipients: list[str] = []
    reasons: list[str] = []
    for part, _depth in _walk_all(msg):
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload() if isinstance(part.get_payload(), list) else []:
                action = _header(block, "Action").lower()
                if action and action not in ("failed", "delayed"):
                    continue
                recipient = _header(block, "Final-Recipient") or _header(block, "Original-Recipient")
                if recipient:
                    recipients.append(recipient.split(";", 1)[-1].strip().lower())
                status = _header(block, "Status")
                diagnostic = _header(block, "Diagnostic-Code")
                if status or diagnostic:
                    reasons.append(" ".join(filter(None, [status, diagnostic.split(";", 1)[-1].strip()])))
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                original = next(iter(message_ids(_header(inner[0], "Message-ID"))), None)
            else:
                text = _decoded_text(part, problems)
                match = re.search(r"^Message-ID:\s*(<[^>]+>)", text, re.IGNORECASE | re.MULTILINE)
                original = next(iter(message_ids(match.group(1))), None) if match else None
    reason = "; ".join(dict.fromkeys(r for r in reasons if r))[:500] or "the receiving mail server returned the message"
    return Bounce(original, tuple(dict.fromkeys(recipients)), reason)


def _walk_all(msg: Message) -> list[tuple[Message, int]]:
    """Every part (containers too), bounded like _walk."""
    out: list[tuple[Message, int]] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack and len(out) < MAX_PARTS:
        part, depth = stack.pop()
        out.append((part, depth))
        payload = part.get_payload()
        if isinstance(payload, list) and depth < MAX_DEPTH:
            stack.extend((child, depth + 1) for child in reversed(payload) if isinstance(child, Message))
    return out


def fallback_message_id(raw: bytes) -> str:
    """A stable id for a message without Message-ID: the same bytes give the same id on IMAP and import."""
    return f"sha256-{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.invalid"


def parse_email(raw: bytes, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES) -> ParsedEmail:
    """Parse one message. Raises UnreadableEmail when there is nothing to store (no sender)."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except RecursionError:
        raise UnreadableEmail("MIME structure nested too deeply to read") from None
    except Exception as exc:  # the parser is lenient; anything it still raises is a broken message
        raise UnreadableEmail(f"not a readable email ({type(exc).__name__})") from None
    problems: list[str] = []
    headers = _utf8_headers(raw) or msg
    senders = _addresses(headers, "From") or _addresses(headers, "Sender") or _addresses(headers, "Return-Path")
    if not senders:
        raise UnreadableEmail("no sender address (From) in the message")
    sender_name, sender = senders[0]
    if _looks_like_another_address(sender_name, sender):
        problems.append(f"the sender's name looks like another address ({sender_name[:100]}); the address is {sender[:200]}")
        sender_name = sender
    if len(_addresses(headers, "From")) > 1:
        problems.append("more than one From address; the first one is the customer")
    message_id = next(iter(message_ids(_header(msg, "Message-ID"))), None) or fallback_message_id(raw)
    content_type = msg.get_content_type()

    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    broken: list[str] = []
    kept_bytes = 0
    try:
        _repair(msg, problems)
        leaves = _walk(msg, problems)
    except RecursionError:
        leaves, problems = [], problems + ["MIME structure nested too deeply to read"]

    def keep(name: str, ctype: str, data: bytes) -> None:
        nonlocal kept_bytes
        if len(data) > max_attachment_bytes:
            attachments.append(Attachment(name, ctype, len(data), None,
                                          f"larger than {max_attachment_bytes // (1024 * 1024)} MB; open it in the mailbox"))
        elif kept_bytes + len(data) > MAX_ATTACHMENTS_TOTAL:
            attachments.append(Attachment(name, ctype, len(data), None, "the message's attachments together are too large"))
        else:
            kept_bytes += len(data)
            attachments.append(Attachment(name, ctype, len(data), data))

    for index, (part, _depth) in enumerate(leaves, start=1):
        kind = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower() if hasattr(part, "get_content_disposition") else ""
        filename = _filename(part)
        if kind in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            (plain if kind == "text/plain" else html).append(_decoded_text(part, problems))
            continue
        if kind.startswith("message/") or kind == "text/rfc822-headers":
            continue  # reports' inner parts; not a customer's file
        if kind.startswith("multipart/"):
            # a multipart whose parts could not be separated (see _repair): its body is all there is
            body = _decoded_text(part, problems)
            if not body.strip():
                continue
            if _MIME_INSIDE.search(body):  # headers or base64 an agent must not be shown: kept as a file
                name = f"unreadable-part-{index}.txt"
                keep(name, "text/plain", _payload_bytes(part))
                problems.append(f"a part of this email could not be separated into its own parts; it is attached as {name}")
            else:
                broken.append(body)
            continue
        try:
            data = part.get_payload(decode=True) or b""
        except Exception:
            data = b""
            problems.append(f"attachment {index} could not be decoded")
        if not isinstance(data, bytes):
            data = str(data).encode("utf-8", "replace")
        keep(safe_filename(filename, f"attachment-{index}"), safe_content_type(kind), data)

    if plain and any(p.strip() for p in plain):
        full = tidy("\n\n".join(plain))
        is_html = False
    elif html and any(h.strip() for h in html):
        full = tidy("\n\n".join(html_to_text(h) for h in html))
        is_html = True
    else:
        full = tidy("\n\n".join(html_to_text(b) if "<" in b else b for b in broken))
        is_html = False
    visible = strip_quotes_and_signature(full) if full else ""
    subject = _header(headers, "Subject")[:500]
    reply_to = next((a for _n, a in _addresses(headers, "Reply-To")), None)
    parsed = ParsedEmail(
        message_id=message_id,
        subject=subject,
        sender=sender,
        sender_name=sender_name or sender,
        date=_date(msg),
        text=visible,
        full_text=full,
        in_reply_to=message_ids(_header(msg, "In-Reply-To")),
        references=message_ids(_header(msg, "References")),
        reply_to=reply_to,
        to=[a for _n, a in _addresses(headers, "To")][:50],
        cc=[a for _n, a in _addresses(headers, "Cc")][:50],
        html=is_html,
        attachments=attachments,
        automatic=_automatic(msg, content_type),
        problems=problems,
    )
    parsed.bounce = _bounce(msg, problems)
    if parsed.bounce is None and _is_mailer_daemon(sender):
        parsed.automatic = parsed.automatic or "message from a mail system (MAILER-DAEMON)"
    defects = getattr(msg, "defects", [])
    if defects:
        problems.append(f"{len(defects)} MIME defect(s) tolerated ({type(defects[0]).__name__})")
    problems[:] = list(dict.fromkeys(problems))  # two parts with the same fault say it once
    return parsed


def _looks_like_another_address(name: str, address: str) -> bool:
    return bool(re.fullmatch(r"\S+@\S+\.\S+", name.strip())) and name.strip().lower() != address


def _is_mailer_daemon(address: str) -> bool:
    local = address.split("@", 1)[0]
    return local in ("mailer-daemon", "postmaster", "mail-daemon")


def _utf8_headers(raw: bytes) -> Message | None:
    """RFC 6532 headers (raw UTF-8, no encoded words) read as UTF-8; the bytes parser would see
    only undecodable bytes in them."""
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    block = raw[:end]
    if block.isascii():
        return None
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        return Parser(policy=policy.default).parsestr(text, headersonly=True)
    except Exception:
        return None
