"""X's weighted post length (twitter-text v3 rules)."""
from __future__ import annotations

import pytest

from inbox.connectors.x.text import length_problem, weighted_length


@pytest.mark.parametrize("text, length", [
    ("", 0),
    ("hello", 5),
    ("a" * 280, 280),
    ("日本語", 6),                       # CJK weighs 2
    ("こんにちは", 10),
    ("한국어", 6),
    ("café", 4),                         # NFC: e + combining accent is one character
    ("cafe\u0301", 4),
    ("see https://example.com/a/very/long/path?with=query", 4 + 23),
    ("www.example.com and http://t.co/x", 23 + 5 + 23),
    ("👍", 2),
    ("👍🏽", 2),                          # skin tone modifier belongs to the emoji
    ("👨\u200d👩\u200d👧", 2),              # a ZWJ family is one emoji
    ("🇯🇵", 2),                          # a flag is one emoji
    ("© 2024", 6),                       # a text symbol, not an emoji
    ("\u2014 \u2019", 3),                # dashes and quotes are in the light ranges
])
def test_weighted_length(text, length):
    assert weighted_length(text) == length


def test_limit_is_280_weighted_characters():
    assert length_problem("a" * 280) is None
    assert length_problem("日" * 140) is None
    assert "281 characters" in length_problem("a" * 281)
    assert "282 characters" in length_problem("日" * 141)
    assert length_problem("x " * 130 + "https://example.com/" + "y" * 500) is not None
    assert length_problem("https://example.com/" + "y" * 500) is None
    assert length_problem("  ") == "the reply is empty"
