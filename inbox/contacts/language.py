"""Which language a customer writes in, from their messages: what the network reported, else the script
of the text. Pure; customer-facing text (the survey) goes out in this language."""
from __future__ import annotations

import re
from collections.abc import Iterable

CUSTOMER_LANGUAGES = ("en", "ja")
DEFAULT_LANGUAGE = "en"

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")  # hiragana, katakana, half-width katakana
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def language_of_text(text: str) -> str | None:
    """"ja" for Japanese script, "en" for Latin words, None for text without words (emoji, a link)."""
    if _KANA.search(text):
        return "ja"
    han, latin = len(_HAN.findall(text)), len(_LATIN_WORD.findall(text))
    if han and han >= latin:
        return "ja"
    return "en" if latin else None


def _reported(lang: str | None) -> str | None:
    """A network's language tag ("ja", "ja-JP", "en_GB") if it is one we write in; "und" and others: None."""
    if not lang:
        return None
    base = re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
    return base if base in CUSTOMER_LANGUAGES else None


def customer_language(messages: Iterable[tuple[str | None, str]]) -> str:
    """The language of the customer's latest message that tells one. `messages`: (lang, text) of their
    messages, newest first."""
    for lang, text in messages:
        found = _reported(lang) or language_of_text(text or "")
        if found:
            return found
    return DEFAULT_LANGUAGE
