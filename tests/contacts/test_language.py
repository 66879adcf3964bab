"""The customer's language, from what the network reported or the script they write in."""
from __future__ import annotations

import pytest

from inbox.contacts.language import customer_language, language_of_text


@pytest.mark.parametrize(("text", "expected"), [
    ("朝から光回線が全く繋がりません。", "ja"),
    ("@NovaHikari_help 請求が二重です", "ja"),
    ("ｶﾀｶﾅ only", "ja"),  # half-width katakana
    ("東京 大阪", "ja"),  # kanji only
    ("my bill is wrong", "en"),
    ("🙏🙏", None),
    ("https://t.co/x1", "en"),
    ("", None),
])
def test_language_of_text(text, expected):
    assert language_of_text(text) == expected


def test_latest_message_that_tells_wins():
    assert customer_language([(None, "🙏"), ("und", "ありがとうございます"), ("en", "hello")]) == "ja"
    assert customer_language([("en-GB", "ok"), (None, "こんにちは")]) == "en"
    assert customer_language([("ja_JP", "thanks")]) == "ja"  # the network's tag beats the script
    assert customer_language([("fr", "🙏")]) == "en"  # a language we do not write in: the default
    assert customer_language([]) == "en"
