from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

_TOKEN = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(response) -> str:
    match = _TOKEN.search(response.data)
    assert match, "no CSRF token on the page"
    return (match.group(1) or match.group(2)).decode()


def message(external_id: str, conversation: str, text: str, at: datetime, *, author: str = "u1", handle: str | None = None,
            kind: str = "mention", direction: str = "inbound", followers: int | None = 10, in_reply_to: str | None = None,
            lang: str | None = "en", **extra: Any) -> dict[str, Any]:
    """One line of the JSONL format (what an export or SMS gateway would give us)."""
    record: dict[str, Any] = {
        "external_id": external_id,
        "kind": kind,
        "conversation": conversation,
        "author": {"id": author, "handle": handle or f"@{author}", "name": author.title(), "followers": followers},
        "text": text,
        "created_at": at.astimezone(timezone.utc).isoformat(),
        "lang": lang,
        "direction": direction,
    }
    if in_reply_to:
        record["in_reply_to"] = in_reply_to
    record.update(extra)
    return record


def write_jsonl(path: Path, records: list[Any], raw_lines: list[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        for line in raw_lines or []:
            fh.write(line + "\n")
    return path


def ago(**kwargs: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(**kwargs)
