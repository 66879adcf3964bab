"""What an agent reads of an email: HTML turned into plain text, quoted history and signature cut.

Pure functions. The text never becomes markup again: templates escape it like any other message.
"""
from __future__ import annotations

import re

from ..html_text import html_to_text, tidy  # noqa: F401  (html_to_text is part of this module's API)

# "On Tue, 3 Mar 2026 at 10:02, Ada <ada@example.com> wrote:", "Am ... schrieb ...:", "Le ... a écrit :",
# Japanese clients' "... のメッセージ:" / "... wrote:" and Outlook's separators.
_ATTRIBUTION = re.compile(
    r"^(On\b.{0,300}\bwrote:|Am\b.{0,300}\bschrieb.{0,80}:|Le\b.{0,300}\ba écrit\s?:|El\b.{0,300}\bescribió:|"
    r".{0,300}(のメッセージ|さんは書きました)\s*[:：]?|.{0,200}<[^>]+@[^>]+>\s*wrote:)\s*$",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(
    r"^(-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|元のメッセージ|Forwarded message)\s*-{2,}|"
    r"_{10,}|From:\s.+|Von:\s.+|差出人:\s?.+)\s*$",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^(-- ?|--|Sent from my .{1,40}|Get Outlook for .{1,40}|iPhoneから送信)$")


def strip_quotes_and_signature(text: str) -> str:
    """The new part of a reply: everything before the quoted history and the signature.

    Returns the whole text when cutting would leave nothing (a message that is only a quote)."""
    lines = text.split("\n")
    end = len(lines)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _SIGNATURE.match(stripped) or _SEPARATORS.match(stripped):
            end = index
            break
        if _ATTRIBUTION.match(stripped):
            end = index
            break
        # an attribution wrapped over two lines ("On Tue, ... Ada <ada@" / "example.com> wrote:")
        if index + 1 < len(lines) and _ATTRIBUTION.match(f"{stripped} {lines[index + 1].strip()}") and \
                lines[index + 1].strip().endswith(("wrote:", "schrieb:", "écrit :")):
            end = index
            break
        if stripped.startswith(">") and all(not rest.strip() or rest.lstrip().startswith(">") for rest in lines[index:]):
            end = index
            break
    kept = tidy("\n".join(lines[:end]))
    return kept or tidy(text)
