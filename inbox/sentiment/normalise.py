"""Text clean-up applied before any sentiment model sees a message."""

from __future__ import annotations

import html
import re

_URL = re.compile(r"(?:\bhttps?://|\bwww\.)\S+", re.IGNORECASE)
# @handle, also Mastodon's @user@instance.social; not the @ inside an e-mail address.
_HANDLE = re.compile(r"(?<![\w@])@\w{1,64}(?:@[\w.-]+\w)?")
_SPACE = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    """URLs → "http", @handles → "@user", HTML entities decoded, whitespace collapsed.

    Handles and links carry no sentiment but are unique tokens that eat the token budget
    and make the same complaint look different from one customer to the next.
    """
    if not text:
        return ""
    text = html.unescape(text)
    text = _URL.sub("http", text)
    text = _HANDLE.sub("@user", text)
    return _SPACE.sub(" ", text).strip()
