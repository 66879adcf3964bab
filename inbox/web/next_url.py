"""Where to go back to after a form post: only paths on this site, never an open redirect."""
from __future__ import annotations

from urllib.parse import urlsplit

MAX_NEXT_CHARS = 2000


def safe_next(target: str | None, fallback: str) -> str:
    """`target` if it is a plain same-site path ("/?view=mine"), else `fallback`."""
    if not target or len(target) > MAX_NEXT_CHARS or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(ch) < 33 or ord(ch) == 127 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target
