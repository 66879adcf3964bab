"""The Japanese catalog is complete: every string the code and templates hand to gettext has a ja entry that
is translated, not fuzzy, and keeps its placeholders; and no template shows English text outside gettext.

A failure names the file (and line) of each string, so whoever added it knows what to translate. To bring the
catalog up to date: `make catalog` (pybabel extract + update), then fill the empty entries in
inbox/translations/ja/LC_MESSAGES/messages.po.
"""
from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO_FILE = ROOT / "inbox" / "translations" / "ja" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2)}
TEMPLATES = sorted(p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*.html"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%\((\w+)\)0?\d*d")


def _extracted() -> dict[tuple[str | tuple[str, ...], str | None], list[str]]:
    """(msgid (a tuple for plurals), context) → where it is used, by babel's own extractors over babel.cfg."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict = defaultdict(list)
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS,
            directory_filter=lambda d: not Path(d).name.startswith((".", "_")) and Path(d).name != "instance"):
        found[(message, context)].append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


@pytest.fixture(scope="module")
def catalog():
    with PO_FILE.open("rb") as f:
        return read_po(f, locale="ja")


def _by_file(problems: list[tuple[str, str]]) -> str:
    grouped: dict[str, list[str]] = defaultdict(list)
    for where, text in problems:
        grouped[where.rsplit(":", 1)[0]].append(f"  line {where.rsplit(':', 1)[1]}: {text!r}")
    return "\n".join(f"{name}:\n" + "\n".join(lines) for name, lines in sorted(grouped.items()))


def test_extraction_finds_the_apps_strings(extracted):
    """Guards the test itself: a broken babel.cfg would find nothing and so pass everything."""
    ids = {m if isinstance(m, str) else m[0] for m, _context in extracted}
    assert {"Send reply", "Team lead dashboard", "How did we do?", "Preferences saved."} <= ids
    assert any(where.startswith("inbox/") for places in extracted.values() for where in places)


def test_every_string_has_a_japanese_translation(extracted, catalog):
    problems = []
    for (message, context), places in extracted.items():
        msgid = message if isinstance(message, str) else message[0]
        entry = catalog.get(msgid, context=context)
        if entry is None:
            state = "not in the ja catalog"
        elif entry.fuzzy:
            state = "fuzzy in the ja catalog"
        elif not all(entry.string) if isinstance(entry.string, tuple) else not entry.string:
            state = "untranslated in the ja catalog"
        else:
            continue
        problems += [(where, f"{msgid} ({state})") for where in places]
    assert not problems, f"{len(problems)} string(s) need a Japanese entry (run `make catalog`, then translate):\n" + _by_file(problems)


def test_translations_keep_their_placeholders(catalog):
    wrong = []
    for entry in catalog:
        if not entry.id or not entry.string:
            continue
        msgid = entry.id if isinstance(entry.id, str) else entry.id[0]
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = {a or b for a, b in PLACEHOLDER.findall(msgid)}
        if isinstance(entry.id, tuple):
            expected |= {a or b for a, b in PLACEHOLDER.findall(entry.id[1])}
            expected.discard("num")  # a language with one plural form may leave the count implicit
        for text in strings:
            if text and not expected <= {a or b for a, b in PLACEHOLDER.findall(text)}:
                wrong.append(f"{msgid!r} → {text!r}")
    assert not wrong, "translations that lose a placeholder:\n" + "\n".join(wrong)


# Words shown as they are in every language: names and acronyms the team uses untranslated.
UNTRANSLATED_WORDS = {"Inbox", "CSAT", "NPS", "CES", "UTC", "Enter", "Esc"}  # key caps read the same in Japan
VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
_JINJA = re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_WORD = re.compile(r"[A-Za-z][A-Za-z']+")


def _masked(source: str) -> str:
    """The template with every Jinja construct (and whole trans blocks) replaced by NUL, lines kept."""
    return _JINJA.sub(lambda m: "\0" + "\n" * m.group(0).count("\n"), source)


class _VisibleText(HTMLParser):
    """Collects (line, text) of text nodes and of attributes a person reads, outside <script>/<style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        submit = tag == "input" and dict(attrs).get("type") in ("submit", "button")
        for name, value in attrs:
            if value and (name in VISIBLE_ATTRIBUTES or (submit and name == "value")):
                self.found.append((self.getpos()[0], value))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.found.append((self.getpos()[0], data))


def untranslated_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of English a template shows outside gettext."""
    parser = _VisibleText()
    parser.feed(_masked(source))
    parser.close()
    hits = []
    for line, text in parser.found:
        words = [w for w in _WORD.findall(text.replace("\0", " ")) if w not in UNTRANSLATED_WORDS]
        if words:
            hits.append((line, " ".join(text.replace("\0", "…").split())))
    return hits


def test_the_detector_sees_text_and_attributes_but_not_gettext():
    source = ('<p title="Remove tag">{{ _("Hi") }} Sent by {{ name }}</p>{% trans n=1 %}Held {{ n }}{% endtrans %}'
              '<script>var a = "Not me";</script><dt>CSAT</dt><input type="submit" value="Go on">')
    assert [text for _, text in untranslated_text(source)] == ["Remove tag", "… Sent by …", "Go on"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_shows_no_text_outside_gettext(template):
    hits = untranslated_text((ROOT / "templates" / template).read_text(encoding="utf-8"))
    assert not hits, f"templates/{template} shows text outside _()/ngettext/{{% trans %}}:\n" + "\n".join(
        f"  line {line}: {text!r}" for line, text in hits)
