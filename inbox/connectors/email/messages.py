"""A parsed email into the connector contract: a message, a set-aside item, or a bounce of ours."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..base import MAX_FIELD_CHARS, Author, InboundMessage, Rejected, clean_text
from .parse import (
    DEFAULT_MAX_ATTACHMENT_BYTES,
    ParsedEmail,
    UnreadableEmail,
    parse_email,
)
from .threads import ThreadRule

MAX_REJECTED_PAYLOAD = 16_000


@dataclass(frozen=True)
class BouncedReply:
    """One of our replies that a mail server returned."""

    message_id: str
    reason: str


@dataclass
class Outcome:
    message: InboundMessage | None = None
    rejected: Rejected | None = None
    bounce: BouncedReply | None = None


def _preview(raw: bytes) -> str:
    """What an admin sees of a set-aside email: its headers and the start of the body, as text."""
    text = raw[:MAX_REJECTED_PAYLOAD].decode("utf-8", "backslashreplace").replace("\x00", "\\x00")
    return text + ("…" if len(raw) > MAX_REJECTED_PAYLOAD else "")


def read_email(raw: bytes, reference: str, rule: ThreadRule, own_address: str, received_at: datetime,
               extra: dict[str, Any] | None = None, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
               headers_only: bool = False) -> Outcome:
    """One raw message (from IMAP, an mbox or a Maildir) through the same rules."""
    try:
        parsed = parse_email(raw, max_attachment_bytes)
    except UnreadableEmail as exc:
        return Outcome(rejected=Rejected(reference, str(exc), _preview(raw)))
    except (RecursionError, MemoryError):
        return Outcome(rejected=Rejected(reference, "MIME structure too deeply nested or too large to read", _preview(raw)))
    if parsed.bounce is not None:
        original = parsed.bounce.original_message_id
        why = f"delivery failure report ({parsed.bounce.reason})"
        if original:
            return Outcome(bounce=BouncedReply(original, parsed.bounce.reason),
                           rejected=Rejected(reference, f"{why} about message {original[:200]}; opens no ticket", _preview(raw)))
        return Outcome(rejected=Rejected(reference, f"{why}; opens no ticket", _preview(raw)))
    if parsed.automatic:
        return Outcome(rejected=Rejected(reference, f"{parsed.automatic}; opens no ticket", _preview(raw)))
    own = own_address.strip().lower()
    if own and parsed.sender == own and not parsed.thread_ids and not parsed.to:
        return Outcome(rejected=Rejected(reference, "sent from the support address to nobody; opens no ticket", _preview(raw)))
    conversation = rule.conversation_for(parsed, received_at)
    return Outcome(message=to_message(parsed, conversation, own, received_at, extra or {}, headers_only))


def to_message(parsed: ParsedEmail, conversation: str, own_address: str, received_at: datetime,
               extra: dict[str, Any], headers_only: bool = False) -> InboundMessage:
    text = parsed.text or parsed.full_text or parsed.subject or "(empty message)"
    if headers_only:
        text = "(This email is too large to import whole; open it in the mailbox.)"
    details: dict[str, Any] = {
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": parsed.references[-30:] if len(parsed.references) > 30 else parsed.references,
        "reply_to": parsed.reply_to,
        "from": parsed.sender,
        "to": parsed.to,
        "cc": parsed.cc,
        "html": parsed.html,
        **extra,
    }
    if parsed.full_text and parsed.full_text != text:
        details["full_text"] = clean_text(parsed.full_text)
    if parsed.problems:
        details["problems"] = parsed.problems[:10]
    raw: dict[str, Any] = {"subject": parsed.subject, "email": details}
    if parsed.attachments:
        raw["attachments"] = [a.to_payload() for a in parsed.attachments]
    outbound = bool(own_address) and parsed.sender == own_address
    return InboundMessage(
        external_id=parsed.message_id[:MAX_FIELD_CHARS],
        kind="email",
        conversation=conversation[:MAX_FIELD_CHARS],
        author=Author(external_id=parsed.sender[:MAX_FIELD_CHARS], handle=parsed.sender[:MAX_FIELD_CHARS],
                      name=clean_text(parsed.sender_name, MAX_FIELD_CHARS) or parsed.sender[:MAX_FIELD_CHARS]),
        text=clean_text(text),
        created_at=parsed.date or received_at,
        in_reply_to=parsed.in_reply_to[0][:MAX_FIELD_CHARS] if parsed.in_reply_to else None,
        direction="outbound" if outbound else "inbound",
        raw=raw,
    )
