"""What a person reads on a page, and the English words in it (issue 29 item 1).

`visible_texts(html)` collects the text nodes and the attributes a person reads or hears (title, placeholder,
aria-label, alt, a confirm dialog's data-confirm, a button's value, the scripts' strings in data-strings),
leaving out <script>/<style> and anything inside an element marked translate="no" (the HTML attribute for
content that is not ours to translate: customer messages, names, handles, tags). `latin_words` then finds
the words in Latin letters that are not on the short allow-list below, after taking out customer content
the test knows it seeded, addresses, URLs and file names. The browser test and the test-client test use it.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from typing import Iterable

# Reviewed: proper nouns, product and protocol names, and abbreviations a Japanese UI writes in Latin letters.
ALLOWED = frozenset({
    # networks and products
    "X", "Mastodon", "Bluesky", "LINE", "Messaging",  # LINE console: the "Messaging API" tab
    "Excel", "Chrome", "Firefox", "Safari", "Inbox", "Redis", "RQ", "PostgreSQL",
    "SQLite", "Gmail", "Outlook", "Slack", "Zapier", "Twitter", "OpenAPI",
    # the example company in form placeholders, and IMAP's name for the inbox folder
    "Acme", "INBOX",
    # Mastodon's own scope names, as its settings page shows them
    "read", "write",
    # protocols, formats and standards
    "SMS", "SLA", "CSV", "API", "URL", "JSON", "JSONL", "HTTP", "HTTPS", "SMTP", "IMAP", "TLS", "STARTTLS", "SSL",
    "UTF", "BOM", "ID", "IP", "HMAC", "SHA", "UTC", "ISO", "PDF", "OAuth", "Webhook", "RSS", "QR", "AT", "DM",
    "GDPR", "TOTP", "MIME", "HTML", "YYYY", "MM", "DD", "hh", "mm", "Bearer", "POST", "GET", "AOF", "MB",
    # the job queues' names, as the worker's command line and logs name them (the pipeline page's health)
    "ingest", "delivery", "default",
    # a Redis setting named in the pipeline page's advice (appendonly yes)
    "appendonly",
    # language codes (the rule form's example: en, ja)
    "en", "ja",
    # the measures' names as teams use them
    "FRT", "TTR", "CSAT", "NPS", "CES", "KB", "B", "h", "min", "ms", "s", "OK",
    # a language's own name in the language picker
    "English",
    # privacy: the word typed to confirm an erasure (checked by inbox.privacy), and "[erased]", what replaces
    # the customer's words once erased
    "erase", "erased", "ZIP",
    # keys on the keyboard (the shortcuts dialog)
    "Enter", "Esc", "Tab", "Shift", "Ctrl", "Cmd", "j", "k", "r", "n", "e", "a",
})
# code, commands and keys are written as the machine reads them
_SKIPPED_TAGS = {"script", "style", "template", "noscript", "code", "pre", "kbd", "samp"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm", "data-label")
_NOT_WORDS = [
    re.compile(r"https?://\S+"),
    re.compile(r"[\w.+-]+@[\w.-]+"),  # e-mail addresses, fediverse accounts
    re.compile(r"(?<![\w])@[\w.\-]+(?:@[\w.\-]+)?"),  # handles
    re.compile(r"\b\d{4}-W\d{2}\b"),  # ISO weeks
    re.compile(r"`[^`]*`"),  # a command in backticks
    re.compile(r"[\w.\-]*\.(?:csv|json|jsonl|mbox|eml|zip|txt|png|ics|md)(?![A-Za-z])", re.IGNORECASE),  # file names, extensions
    re.compile(r"\b[\w-]+(?:\.[\w-]+)+\b"),  # host names, event names (rule.fired), dotted ids
    re.compile(r"\b[0-9a-f]{8,}\b", re.IGNORECASE),  # ids, hashes
    re.compile(r"\{[a-z_]+\}"),  # placeholders the scripts and canned responses fill
    re.compile(r"[\w.\-]*/[\w/.\-<>]*"),  # paths (docs/email.md)
]
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.texts: list[str] = []

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skipped = self._skipping() or tag in _SKIPPED_TAGS or values.get("translate") == "no"
        if not skipped:
            self.texts += [values[name] for name in _READ_ATTRIBUTES if values.get(name)]
            if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
                self.texts.append(values["value"] or "")
            if values.get("data-strings"):
                self.texts += [str(v) for v in json.loads(values["data-strings"] or "{}").values()]
        if tag not in _VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.texts.append(data.strip())


def visible_texts(html: str) -> list[str]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.texts


def latin_words(texts: Iterable[str], customer: Iterable[str] = (), allowed: frozenset[str] = ALLOWED) -> Counter[str]:
    """The words in Latin letters a Japanese reader would meet in `texts`, with how often: customer content
    (strings the test seeded), addresses, handles, URLs, file names and the allow-list taken out first."""
    known = sorted({c for c in customer if c}, key=len, reverse=True)
    shouted = {word.upper() for word in allowed}  # CSS may set a heading in capitals (WEBHOOK)
    found: Counter[str] = Counter()
    for text in texts:
        for seeded in known:  # whole words only: a seeded "X" must not eat the X of "INBOX"
            text = re.sub(r"(?<![A-Za-z])" + re.escape(seeded) + r"(?![A-Za-z])", " ", text)
        for pattern in _NOT_WORDS:
            text = pattern.sub(" ", text)
        for word in LATIN_WORD.findall(text):
            if word not in allowed and not (word.isupper() and word in shouted):
                found[word] += 1
    return found
