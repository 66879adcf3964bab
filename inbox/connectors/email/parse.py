"""One RFC 822 / MIME message (bytes) into what Inbox keeps of it. Pure: no network, no database.

Parsed with the standard `email` package and its modern policy. Everything read from a header is
made safe to show and to reuse in our own headers (no CR/LF, no control characters); bodies in any
charset Python knows are decoded, unknown or lying charsets fall back to a lossless-enough decode
instead of failing; the MIME tree is walked with a depth and part limit so a mail bomb of nested
multiparts costs nothing.
"""
from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, Parser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from .text import html_to_text, strip_quotes_and_signature, tidy

MAX_DEPTH = 12
MAX_PARTS = 200
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS_TOTAL = 15 * 1024 * 1024
MAX_HEADER_CHARS = 998
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


def _raw_header(msg: Message, name: str) -> str:
    """The header's undecoded text (for addresses the modern policy refuses)."""
    for key, value in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
        if key.lower() == name.lower():
            return safe_header(value)
    return ""


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    values: list[str] = []
    try:
        header = msg.get(name)
        addresses = getattr(header, "addresses", None)
        if addresses is not None:
            return [(safe_header(a.display_name, 200), safe_header(a.addr_spec, 320).lower()) for a in addresses if a.addr_spec and "@" in a.addr_spec]
        values = [str(header)] if header is not None else []
    except Exception:
        values = [_raw_header(msg, name)]
    result = []
    for display, address in getaddresses(values):
        address = safe_header(address, 320).lower()
        if "@" in address:
            result.append((safe_header(display, 200), address))
    return result


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


def _decoded_text(part: Message, problems: list[str]) -> str:
    """A text part's content in whatever charset it claims; a charset Python does not know, or
    bytes that do not fit the claimed one, are decoded with replacement rather than failing."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError, AttributeError, TypeError):
        pass
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception:
        payload = b""
    if isinstance(payload, str):
        return payload
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeError):
        problems.append(f"charset {safe_header(charset, 40)!r} could not decode the text; shown with replacements")
    for fallback in ("utf-8", "cp1252"):
        try:
            return payload.decode(fallback)
        except UnicodeError:
            continue
    return payload.decode("utf-8", "replace")


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
        leaves = _walk(msg, problems)
    except RecursionError:
        leaves, problems = [], problems + ["MIME structure nested too deeply to read"]
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
            # a multipart whose boundary never appears: its body is all there is to read
            broken.append(_decoded_text(part, problems))
            continue
        try:
            data = part.get_payload(decode=True) or b""
        except Exception:
            data = b""
            problems.append(f"attachment {index} could not be decoded")
        if not isinstance(data, bytes):
            data = str(data).encode("utf-8", "replace")
        name = safe_filename(filename, f"attachment-{index}")
        ctype = safe_content_type(kind)
        if len(data) > max_attachment_bytes:
            attachments.append(Attachment(name, ctype, len(data), None,
                                          f"larger than {max_attachment_bytes // (1024 * 1024)} MB; open it in the mailbox"))
        elif kept_bytes + len(data) > MAX_ATTACHMENTS_TOTAL:
            attachments.append(Attachment(name, ctype, len(data), None, "the message's attachments together are too large"))
        else:
            kept_bytes += len(data)
            attachments.append(Attachment(name, ctype, len(data), data))

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
    return parsed


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


def parse_headers_only(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)  # type: ignore[return-value]
