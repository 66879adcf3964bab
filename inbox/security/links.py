"""Links that come from outside (a message's permalink, a profile, anything a network or a JSONL line
gives us) are only ever http(s): a `javascript:` or `data:` URL is shown as text, never as a link."""
from __future__ import annotations

from urllib.parse import urlsplit

MAX_URL_CHARS = 4096


def safe_external_url(value: object) -> str | None:
    """`value` when a browser would open it as an http(s) page on some host; None otherwise.

    Browsers drop leading/trailing C0 controls and spaces and ignore tabs and newlines anywhere in a
    URL ("java\\tscript:" runs), so any of those makes the value unusable rather than "cleaned"."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_CHARS:
        return None
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F or 0x80 <= ord(ch) <= 0x9F for ch in value):
        return None
    if "\\" in value:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value
