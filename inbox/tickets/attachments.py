"""Files that came with a message (email attachments), kept in the database.

Not on a local disk: web hosts and workers may be different machines (see docs/deploy). Each file
is capped in size, its name and content type are sanitised, and it is only ever served as a
download (`Content-Disposition: attachment`, a type that no browser runs).
"""
from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, backref, deferred, mapped_column, relationship

from ..extensions import db
from ..timeutil import UtcDateTime, utcnow

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]{1,60}/[a-z0-9!#$&^_.+-]{1,60}$")
_NAME_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\"<>:|?*]+')
# what a browser may show itself after a download; everything else is served as bytes
_SAFE_TYPES = {
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain", "text/csv",
    "application/zip", "application/gzip", "audio/mpeg", "video/mp4",
}


class MessageAttachment(db.Model):
    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    # the database deletes a message's files with it; the ORM never loads them just to delete them
    message = relationship("Message", backref=backref("attachments", cascade="all, delete-orphan", passive_deletes=True,
                                                      order_by="MessageAttachment.id"))

    @property
    def served_type(self) -> str:
        return self.content_type if self.content_type in _SAFE_TYPES else "application/octet-stream"


def clean_content_type(value: Any) -> str:
    text = str(value or "").strip().lower()
    return text if _TYPE.match(text) else "application/octet-stream"


def clean_filename(value: Any, fallback: str = "attachment") -> str:
    text = _NAME_UNSAFE.sub("_", str(value or "")).strip(" .")[:200]
    return text or fallback


def split_attachments(raw: dict[str, Any] | None) -> tuple[dict[str, Any] | None, list[MessageAttachment]]:
    """The raw payload without the files' bytes, and one row per file to store.

    The list of files (names, sizes, and why a file was not kept) stays in the raw payload."""
    if not isinstance(raw, dict) or not isinstance(raw.get("attachments"), list):
        return raw, []
    listed: list[dict[str, Any]] = []
    rows: list[MessageAttachment] = []
    for index, item in enumerate(raw["attachments"][:100], start=1):
        if not isinstance(item, dict):
            continue
        entry = {
            "filename": clean_filename(item.get("filename"), f"attachment-{index}"),
            "content_type": clean_content_type(item.get("content_type")),
            "size": item.get("size") if isinstance(item.get("size"), int) else 0,
        }
        data = item.get("data_b64")
        if isinstance(data, str) and not item.get("dropped"):
            try:
                content = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                content = None
                entry["dropped"] = "the file could not be decoded"
            if content is not None and len(content) > MAX_ATTACHMENT_BYTES:
                entry["dropped"] = "larger than the size limit"
            elif content is not None:
                entry["size"] = len(content)
                rows.append(MessageAttachment(filename=entry["filename"], content_type=entry["content_type"],
                                              size=len(content), content=content))
        elif item.get("dropped"):
            entry["dropped"] = str(item["dropped"])[:300]
        listed.append(entry)
    return {**raw, "attachments": listed}, rows
