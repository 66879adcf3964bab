"""X's post length rule (twitter-text v3 "weighted length"), as X itself counts before accepting a post.

Each code point weighs 1 if it falls in the Latin-and-friends ranges below, else 2 (so most CJK
characters count double); an emoji sequence counts 2 however many code points it has; every URL
counts 23 whatever its length, because X rewrites it to a t.co link. Text is NFC-normalised first.
"""
from __future__ import annotations

import re
import unicodedata

from ...translatable import N_

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
_SCALE = 100
_DEFAULT_WEIGHT = 200
# (first code point, last code point, weight) from twitter-text's config/v3.json
_RANGES = ((0, 4351, 100), (8192, 8205, 100), (8208, 8223, 100), (8242, 8247, 100))

_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,:;!?)\]'}]")
_ZWJ = "\u200d"
_EMOJI_BASE = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2190-\u21FF\u2300-\u23FF\u3030\u303D\u3297\u3299\u00A9\u00AE\u203C\u2049\u2122\u2139]"
)
_EMOJI_TAIL = re.compile("[\uFE0E\uFE0F\u20E3\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F]")
_REGIONAL = re.compile("[\U0001F1E6-\U0001F1FF]")


def _char_weight(char: str) -> int:
    point = ord(char)
    for first, last, weight in _RANGES:
        if first <= point <= last:
            return weight
    return _DEFAULT_WEIGHT


def _emoji_sequence_end(text: str, start: int) -> int:
    """Index just past the emoji sequence starting at `start`, or `start` if none starts there."""
    char = text[start]
    if _REGIONAL.match(char):
        return start + 2 if start + 1 < len(text) and _REGIONAL.match(text[start + 1]) else start + 1
    if not _EMOJI_BASE.match(char):
        return start
    end = start + 1
    while end < len(text):
        if _EMOJI_TAIL.match(text[end]):
            end += 1
        elif text[end] == _ZWJ and end + 1 < len(text) and _EMOJI_BASE.match(text[end + 1]):
            end += 2
        else:
            break
    # a bare symbol such as © or ↔ without the emoji presentation selector is ordinary text
    if end == start + 1 and ord(char) < 0x1F000:
        return start
    return end


def weighted_length(text: str) -> int:
    """How many characters X counts for `text` (the limit is MAX_WEIGHTED_LENGTH)."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for match in _URL.finditer(text):
        total += _plain_weight(text[position:match.start()])
        total += URL_WEIGHT * _SCALE
        position = match.end()
    total += _plain_weight(text[position:])
    return total // _SCALE


def _plain_weight(text: str) -> int:
    total = 0
    index = 0
    while index < len(text):
        end = _emoji_sequence_end(text, index)
        if end > index:
            total += _DEFAULT_WEIGHT
            index = end
            continue
        total += _char_weight(text[index])
        index += 1
    return total


def length_problem(text: str, limit: int = MAX_WEIGHTED_LENGTH) -> str | None:
    """Why X would refuse `text`, or None when it fits."""
    if not text.strip():
        return N_("the reply is empty")
    length = weighted_length(text)
    if length > limit:
        return N_("the reply is %(length)s characters as X counts them; the limit is %(limit)s", length=length, limit=limit)
    return None
